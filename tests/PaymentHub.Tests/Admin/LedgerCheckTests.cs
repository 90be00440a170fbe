using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Admin;

/// <summary>
/// GET /admin/v1/ledger/check finds what was tampered with behind the gateway's back. Each test puts back what it broke, so
/// the class still ends with the check ok. Ledger entries are changed with the immutability trigger off for that
/// transaction only (session_replication_role = replica).
/// </summary>
public sealed class LedgerCheckTests(GatewayFixture fixture) : GatewayTest(fixture, "ledger_check"), IClassFixture<GatewayFixture>
{
    protected override async Task SeedAsync()
    {
        using var admin = App.Admin();
        foreach (var code in new[] { "GP", "GP%20ST" })
        {
            Assert.Equal(200, (int)(await admin.PatchAsync($"/admin/v1/operators/{code}", JsonContent.Create(new { connector = "sandbox" }))).StatusCode);
        }
    }

    private Task<JsonNode> CheckAsync() => App.AdminGetAsync("/admin/v1/ledger/check");

    private async Task AssertOkAsync()
    {
        var check = await CheckAsync();
        Assert.True(check["ok"]!.GetValue<bool>(), check.ToJsonString());
    }

    /// <summary>The only list in the check's reply that has entries, and its single entry.</summary>
    private async Task<JsonNode> SingleFindingAsync(string list)
    {
        var check = await CheckAsync();
        Assert.False(check["ok"]!.GetValue<bool>());
        var lists = check.AsObject().Where(p => p.Value is JsonArray { Count: > 0 }).Select(p => p.Key).ToList();
        Assert.True(lists.SequenceEqual([list]), check.ToJsonString());
        return Assert.Single(check[list]!.AsArray())!;
    }

    private Task TamperAsync(string sql) => Sql.ExecuteAsync(App, $"BEGIN; SET LOCAL session_replication_role = replica; {sql}; COMMIT;");

    /// <summary>Moves 1.00 between the wallet's entry and the upstream entry of a journal, and the wallet balance with it:
    /// the journal still balances and the wallet still equals its entries, so only the order checks can see it.</summary>
    private Task ShiftWalletEntryAsync(long journalId, long walletId, decimal delta) => TamperAsync($"""
        UPDATE ledger_entries SET amount = amount + {delta} WHERE journal_id = {journalId} AND account_id = {walletId};
        UPDATE ledger_entries SET amount = amount - {delta} WHERE journal_id = {journalId}
            AND account_id = (SELECT id FROM ledger_accounts WHERE kind = 'UpstreamPayable');
        UPDATE ledger_accounts SET balance = balance + {delta} WHERE id = {walletId}
        """);

    private Task<long> WalletIdAsync(TestReseller shop) =>
        App.WithDbAsync(db => db.Resellers.Where(r => r.Id == shop.Id).Select(r => r.WalletAccountId).SingleAsync());

    private async Task<string> RechargeAsync(TestReseller shop, string phone, string amount, string op, string expectedStatus)
    {
        var (status, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", phone), ("amount", amount), ("operator", op)]);
        Assert.Equal(200, status);
        Assert.Equal(expectedStatus, body["status"]!.GetValue<string>());
        return body["order_number"]!.GetValue<string>();
    }

    [Fact]
    public async Task An_unbalanced_journal_is_reported_until_it_balances()
    {
        await AssertOkAsync();
        await Sql.ExecuteAsync(App, """
            WITH j AS (INSERT INTO ledger_journals (kind, reference, description, created_at)
                       VALUES ('OperatorCredit', 'tamper:unbalanced', 'written by hand', now()) RETURNING id)
            INSERT INTO ledger_entries (journal_id, account_id, amount, created_at)
            SELECT j.id, (SELECT id FROM ledger_accounts WHERE kind = 'FeeIncome'), 5, now() FROM j
            """);
        var journalId = await App.WithDbAsync(db => db.LedgerJournals.Where(j => j.Reference == "tamper:unbalanced").Select(j => j.Id).SingleAsync());

        var finding = await SingleFindingAsync("unbalanced_journals");
        Assert.Equal(journalId, finding["journal_id"]!.GetValue<long>());
        Assert.Equal(5m, finding["sum"]!.GetValue<decimal>());
        Assert.Equal(1, finding["entries"]!.GetValue<int>());

        await Sql.ExecuteAsync(App, $"""
            INSERT INTO ledger_entries (journal_id, account_id, amount, created_at)
            VALUES ({journalId}, (SELECT id FROM ledger_accounts WHERE kind = 'CommissionExpense'), -5, now())
            """);
        await AssertOkAsync();
    }

    [Fact]
    public async Task A_recharge_debit_that_does_not_match_its_order_is_reported()
    {
        var shop = await App.CreateResellerAsync(100m);
        var orderNumber = await RechargeAsync(shop, "01712345678", "50", "GP", "Success");
        var order = await App.WithDbAsync(db => db.RechargeOrders.SingleAsync(o => o.OrderNumber == orderNumber));
        var walletId = await WalletIdAsync(shop);
        await AssertOkAsync();

        await ShiftWalletEntryAsync(order.DebitJournalId, walletId, 1m);
        var shifted = await SingleFindingAsync("recharge_debit_mismatches");
        Assert.Equal(orderNumber, shifted["order_number"]!.GetValue<string>());
        Assert.Equal(49.50m, shifted["debit_amount"]!.GetValue<decimal>());
        Assert.Equal(48.50m, shifted["wallet_debited"]!.GetValue<decimal>());
        await ShiftWalletEntryAsync(order.DebitJournalId, walletId, -1m);
        await AssertOkAsync();

        // A commission that reaches the amount: the recharge was free.
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET commission = 50, debit_amount = 0 WHERE order_number = '{orderNumber}'");
        Assert.Equal(50m, (await SingleFindingAsync("recharge_debit_mismatches"))["commission"]!.GetValue<decimal>());
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET commission = 0.50, debit_amount = 49.50 WHERE order_number = '{orderNumber}'");

        // The order points at a journal that is not its debit.
        var otherJournal = await App.WithDbAsync(db => db.LedgerJournals.Where(j => j.Kind == PaymentHub.Ledger.JournalKind.OperatorCredit)
            .OrderByDescending(j => j.Id).Select(j => j.Id).FirstAsync());
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET debit_journal_id = {otherJournal} WHERE order_number = '{orderNumber}'");
        Assert.False((await SingleFindingAsync("recharge_debit_mismatches"))["debit_journal_linked"]!.GetValue<bool>());
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET debit_journal_id = {order.DebitJournalId} WHERE order_number = '{orderNumber}'");
        await AssertOkAsync();
    }

    [Fact]
    public async Task A_refund_that_does_not_match_its_order_is_reported()
    {
        var shop = await App.CreateResellerAsync(100m);
        var failed = await RechargeAsync(shop, "01712340000", "20", "GP", "Failed");
        var order = await App.WithDbAsync(db => db.RechargeOrders.SingleAsync(o => o.OrderNumber == failed));
        Assert.NotNull(order.RefundJournalId);
        var walletId = await WalletIdAsync(shop);
        await AssertOkAsync();

        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET refund_journal_id = NULL WHERE order_number = '{failed}'");
        var unlinked = await SingleFindingAsync("order_refund_mismatches");
        Assert.Equal((failed, "Failed"), (unlinked["order_number"]!.GetValue<string>(), unlinked["status"]!.GetValue<string>()));
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET refund_journal_id = {order.RefundJournalId} WHERE order_number = '{failed}'");
        await AssertOkAsync();

        // The refund gives back less than was taken.
        await ShiftWalletEntryAsync(order.RefundJournalId!.Value, walletId, -1m);
        var shortRefund = await SingleFindingAsync("recharge_debit_mismatches");
        Assert.Equal(19.80m, shortRefund["debit_amount"]!.GetValue<decimal>());
        Assert.Equal(18.80m, shortRefund["wallet_refunded"]!.GetValue<decimal>());
        await ShiftWalletEntryAsync(order.RefundJournalId!.Value, walletId, 1m);
        await AssertOkAsync();

        // A recharge marked Failed that was never refunded.
        var succeeded = await RechargeAsync(shop, "01712345678", "20", "GP", "Success");
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET status = 'Failed' WHERE order_number = '{succeeded}'");
        var check = await CheckAsync();
        Assert.False(check["ok"]!.GetValue<bool>());
        Assert.Equal(succeeded, Assert.Single(check["order_refund_mismatches"]!.AsArray())!["order_number"]!.GetValue<string>());
        Assert.Equal(0, Assert.Single(check["recharge_debit_mismatches"]!.AsArray())!["refund_journals"]!.GetValue<int>());
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET status = 'Success' WHERE order_number = '{succeeded}'");
        await AssertOkAsync();
    }

    [Fact]
    public async Task A_cashback_grant_that_does_not_match_its_journal_is_reported()
    {
        var now = DateTime.UtcNow;
        var offer = await App.AdminPostAsync("/admin/v1/cashback-offers", new
        {
            name = "Skitto check", operator_code = "GP ST", min_amount = 0m, type = "fixed", value = 5m,
            valid_from = now.AddHours(-1), valid_until = now.AddDays(1), max_per_reseller_per_day = 10,
        }, 201);
        var shop = await App.CreateResellerAsync(100m);
        var orderNumber = await RechargeAsync(shop, "01312345678", "50", "GP ST", "Success");
        var order = await App.WithDbAsync(db => db.RechargeOrders.SingleAsync(o => o.OrderNumber == orderNumber));
        var grant = await App.WithDbAsync(db => db.CashbackGrants.SingleAsync(g => g.RechargeOrderId == order.Id));
        await AssertOkAsync();

        await Sql.ExecuteAsync(App, $"UPDATE cashback_grants SET amount = 6 WHERE id = {grant.Id}");
        var amount = await SingleFindingAsync("cashback_mismatches");
        Assert.Equal(orderNumber, amount["order_number"]!.GetValue<string>());
        Assert.Equal((6m, 5m), (amount["granted"]!.GetValue<decimal>(), amount["wallet_credited"]!.GetValue<decimal>()));
        await Sql.ExecuteAsync(App, $"UPDATE cashback_grants SET amount = 5 WHERE id = {grant.Id}");

        await Sql.ExecuteAsync(App, $"UPDATE cashback_grants SET journal_id = {order.DebitJournalId} WHERE id = {grant.Id}");
        Assert.False((await SingleFindingAsync("cashback_mismatches"))["grant_journals_linked"]!.GetValue<bool>());
        await Sql.ExecuteAsync(App, $"UPDATE cashback_grants SET journal_id = {grant.JournalId} WHERE id = {grant.Id}");

        // Cashback belongs to Success recharges only.
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET status = 'Processing' WHERE id = {order.Id}");
        Assert.Equal("Processing", (await SingleFindingAsync("cashback_mismatches"))["status"]!.GetValue<string>());
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET status = 'Success' WHERE id = {order.Id}");

        using var admin = App.Admin();
        Assert.Equal(204, (int)(await admin.DeleteAsync($"/admin/v1/cashback-offers/{offer["id"]}")).StatusCode);
        await AssertOkAsync();
    }
}
