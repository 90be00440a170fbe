using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PaymentHub.Bills;
using PaymentHub.Connectors.Sandbox;
using PaymentHub.Ledger;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Bills;

public sealed class FulfilmentTests(GatewayFixture fixture) : GatewayTest(fixture, "bills_fulfilment"), IClassFixture<GatewayFixture>
{
    /// <summary>What the journal of this kind and reference moved on the reseller's wallet (0 when there is none).</summary>
    private Task<decimal> WalletMovementAsync(TestReseller shop, JournalKind kind, string reference) =>
        App.WithDbAsync(async db =>
        {
            var wallet = await db.Resellers.Where(r => r.Id == shop.Id).Select(r => r.WalletAccountId).SingleAsync();
            return await db.LedgerEntries
                .Where(e => e.AccountId == wallet
                            && db.LedgerJournals.Any(j => j.Id == e.JournalId && j.Kind == kind && j.Reference == reference))
                .SumAsync(e => e.Amount);
        });

    [Fact]
    public async Task Sandbox_completes_a_bill_with_a_token_about_a_second_later()
    {
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number");
        var shop = await App.CreateResellerAsync(1_000m);
        var submitted = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "250"), ("meter_number", "123456789"));
        var orderNumber = submitted.Body["order_number"]!.GetValue<string>();
        // The submit's own reply: a status_check sent after it raced the sandbox's one second on a loaded machine.
        Assert.Equal("Processing", submitted.Body["status"]!.GetValue<string>());

        var final = await shop.SettleSandboxBillAsync(Clock, orderNumber);
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d{4}-\d{4}-\d{4}-\d{4}$", final["token_number"]!.GetValue<string>());
        var completed = await App.WithDbAsync(db => db.BillOrders.Where(o => o.OrderNumber == orderNumber)
            .Select(o => new { o.CreatedAt, o.CompletedAt }).SingleAsync());
        Assert.True(completed.CompletedAt - completed.CreatedAt >= SandboxBillConnector.CompletionDelay, $"{completed}");
        Assert.Equal(750m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task Sandbox_cancels_a_customer_number_ending_in_0000_and_refunds_once()
    {
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number", fee: 5m, commission: 1m, provider: "NESCO");
        var shop = await App.CreateResellerAsync(1_000m);
        var submitted = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "250"), ("meter_number", "55550000"));
        var orderNumber = submitted.Body["order_number"]!.GetValue<string>();
        // The debit as the ledger recorded it (the wallet's balance may already be refunded: the worker is woken by the submit).
        Assert.Equal(-254m, await WalletMovementAsync(shop, JournalKind.BillOrderDebit, orderNumber));

        var final = await shop.SettleSandboxBillAsync(Clock, orderNumber);
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Equal("Invalid customer information", final["cancel_note"]!.GetValue<string>());
        Assert.Equal(1_000m, await shop.BalanceAsync());
        Assert.Equal(254m, await WalletMovementAsync(shop, JournalKind.BillOrderRefund, orderNumber));

        // A second cancellation, by an operator, is refused and refunds nothing.
        using var admin = App.Admin();
        var again = await admin.PostAsync($"/admin/v1/orders/{orderNumber}/cancel",
            new StringContent("{\"cancel_note\":\"again\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(409, (int)again.StatusCode);
        Assert.Equal(1_000m, await shop.BalanceAsync());
        Assert.Equal(1, await App.WithDbAsync(db => db.LedgerJournals.CountAsync(j => j.Reference == orderNumber && j.Kind == JournalKind.BillOrderRefund)));
    }

    [Fact]
    public async Task Manual_orders_wait_in_the_operator_queue_until_settled()
    {
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", provider: "DPDC");
        var shop = await App.CreateResellerAsync(1_000m);
        var orderNumber = (await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "100"), ("meter_number", "42"))).Body["order_number"]!.GetValue<string>();

        // The worker passes over it (twice, as its loop would): a manual order is the operator's, whatever time passes.
        var worker = App.Services.GetRequiredService<BillFulfilmentWorker>();
        await worker.RunOnceAsync(CancellationToken.None);
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal("Processing", (await shop.BillAsync("status_check", ("order_number", orderNumber))).Body["status"]!.GetValue<string>());
        var queue = await App.AdminGetAsync($"/admin/v1/orders?status=Processing&reseller_id={shop.Id}");
        Assert.Contains(queue.AsArray(), o => o!["order_number"]!.GetValue<string>() == orderNumber);

        var completed = await App.AdminPostAsync($"/admin/v1/orders/{orderNumber}/complete", new { token_number = "TKN-1" });
        Assert.Equal("Success", completed["status"]!.GetValue<string>());
        using var admin = App.Admin();
        var cancelAfterSuccess = await admin.PostAsync($"/admin/v1/orders/{orderNumber}/cancel",
            new StringContent("{\"cancel_note\":\"too late\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(409, (int)cancelAfterSuccess.StatusCode);
        Assert.Equal(900m, await shop.BalanceAsync());

        var missing = await admin.PostAsync("/admin/v1/orders/TST-NOPE/complete",
            new StringContent("{\"token_number\":\"x\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(404, (int)missing.StatusCode);
    }

    [Fact]
    public async Task Concurrent_operator_cancellations_refund_exactly_once()
    {
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", provider: "BPDB");
        var shop = await App.CreateResellerAsync(1_000m);
        var orderNumber = (await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "300"), ("meter_number", "42"))).Body["order_number"]!.GetValue<string>();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var admin = App.Admin();
            var response = await admin.PostAsync($"/admin/v1/orders/{orderNumber}/cancel",
                new StringContent("{\"cancel_note\":\"duplicate\"}", System.Text.Encoding.UTF8, "application/json"));
            return (int)response.StatusCode;
        }));
        Assert.Equal(1, attempts.Count(s => s == 200));
        Assert.All(attempts.Where(s => s != 200), s => Assert.Equal(409, s));
        Assert.Equal(1_000m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task A_database_failure_during_submit_answers_500_transaction_failed_and_changes_nothing()
    {
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", provider: "Failing");
        var shop = await App.CreateResellerAsync(1_000m);
        await ExecuteAsync("ALTER TABLE bill_orders RENAME TO bill_orders_unavailable");
        try
        {
            var (status, body) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
                ("amount", "100"), ("meter_number", "42"));
            Assert.Equal(500, status);
            Assert.Equal("Transaction failed", body["error"]!.GetValue<string>());
            Assert.DoesNotContain("bill_orders", body.ToJsonString());
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE bill_orders_unavailable RENAME TO bill_orders");
        }
        Assert.Equal(1_000m, await shop.BalanceAsync());
        // The request line says what the client got: 500, not the 200 the response held while the handler threw.
        var line = Assert.Single(await RequestLogLines.WaitForAsync(App, l => RequestLogLines.ResellerId(l) == shop.Id));
        Assert.Equal("submit", line["Action"]!.GetValue<string>());
        Assert.Equal(500, line["StatusCode"]!.GetValue<int>());
    }

    [Fact]
    public async Task Ledger_entries_cannot_be_changed_and_the_check_catches_tampering()
    {
        var shop = await App.CreateResellerAsync(100m, "Tamper Shop");
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync("UPDATE ledger_entries SET amount = amount + 1"));
        Assert.Contains("immutable", error.MessageText);
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync("DELETE FROM ledger_entries"));

        var walletId = await App.WithDbAsync(db => db.Resellers.Where(r => r.Id == shop.Id).Select(r => r.WalletAccountId).SingleAsync());
        await ExecuteAsync($"UPDATE ledger_accounts SET balance = balance + 5 WHERE id = {walletId}");
        var check = await App.AdminGetAsync("/admin/v1/ledger/check");
        Assert.False(check["ok"]!.GetValue<bool>());
        Assert.Contains(check["wallet_mismatches"]!.AsArray(), m => m!["account_id"]!.GetValue<long>() == walletId);
        await ExecuteAsync($"UPDATE ledger_accounts SET balance = balance - 5 WHERE id = {walletId}");
    }

    [Fact]
    public async Task Operator_credits_and_debits_are_journals_and_never_overdraw()
    {
        var shop = await App.CreateResellerAsync(0m, "Credit Shop");
        var credit = await App.AdminPostAsync($"/admin/v1/resellers/{shop.Id}/wallet/credits", new { amount = 150.25m, note = "bank deposit" });
        Assert.Equal(150.25m, credit["balance"]!.GetValue<decimal>());
        var debit = await App.AdminPostAsync($"/admin/v1/resellers/{shop.Id}/wallet/debits", new { amount = 50.25m, note = "correction" });
        Assert.Equal(100m, debit["balance"]!.GetValue<decimal>());
        await App.AdminPostAsync($"/admin/v1/resellers/{shop.Id}/wallet/debits", new { amount = 100.01m }, 422);
        await App.AdminPostAsync($"/admin/v1/resellers/{shop.Id}/wallet/credits", new { amount = 1.001m }, 400);
        await App.AdminPostAsync($"/admin/v1/resellers/{shop.Id}/wallet/credits", new { amount = -5m }, 400);
        Assert.Equal(100m, await shop.BalanceAsync());
        var entries = await App.AdminGetAsync($"/admin/v1/resellers/{shop.Id}/wallet/entries");
        Assert.Equal([-50.25m, 150.25m], entries.AsArray().Select(e => e!["amount"]!.GetValue<decimal>()));
    }

    private Task<int> ExecuteAsync(string sql) => Sql.ExecuteAsync(App, sql);
}
