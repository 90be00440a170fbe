using Microsoft.EntityFrameworkCore;
using Npgsql;
using PaymentHub.Idempotency;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Bills;

public sealed class IdempotencyAndConcurrencyTests(GatewayFixture fixture) : GatewayTest(fixture, "bills_concurrency"), IClassFixture<GatewayFixture>
{
    private int _providerId;
    private int _serviceId;

    protected override async Task SeedAsync()
    {
        (_providerId, _serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", fee: 1m, commission: 0.5m);
    }

    private (string, string)[] Submit(string amount, string? requestId = null)
    {
        var fields = new List<(string, string)>
        {
            ("provider_id", _providerId.ToString()), ("service_id", _serviceId.ToString()), ("amount", amount), ("meter_number", "55512345"),
        };
        if (requestId is not null)
        {
            fields.Add(("request_id", requestId));
        }
        return fields.ToArray();
    }

    [Fact]
    public async Task Parallel_submits_never_overdraw_a_wallet()
    {
        // Each order debits 100 + 1 fee - 0.5 commission = 100.50; the wallet pays for exactly 120 of 250.
        const int attempts = 250;
        const int affordable = 120;
        var shop = await App.CreateResellerAsync(affordable * 100.50m + 50m, "Busy Shop");

        var results = await Task.WhenAll(Enumerable.Range(0, attempts).Select(_ => shop.BillAsync("submit", Submit("100"))));

        Assert.Equal(affordable, results.Count(r => r.Status == 200));
        Assert.Equal(attempts - affordable, results.Count(r => r.Status == 422 && r.Body["error"]!.GetValue<string>() == "Insufficient balance."));
        Assert.Equal(50m, await shop.BalanceAsync());
        var orders = await App.WithDbAsync(db => db.BillOrders.Where(o => o.ResellerId == shop.Id).ToListAsync());
        Assert.Equal(affordable, orders.Count);
        Assert.Equal(affordable, orders.Select(o => o.OrderNumber).Distinct().Count());
        var walletEntries = await App.WithDbAsync(db => db.LedgerEntries
            .Where(e => e.AccountId == db.Resellers.Where(r => r.Id == shop.Id).Select(r => r.WalletAccountId).Single())
            .Select(e => e.Amount).ToListAsync());
        Assert.Equal(affordable, walletEntries.Count(a => a == -100.50m));
    }

    [Fact]
    public async Task A_retried_submit_replays_the_first_answer_and_is_charged_once()
    {
        var shop = await App.CreateResellerAsync(1_000m, "Retry Shop");
        var first = await shop.BillAsync("submit", Submit("200", "req-001"));
        var second = await shop.BillAsync("submit", Submit("200", "req-001"));
        var viaHeader = await shop.PostFormAsync("/api/bill-payment.php?action=submit", Submit("200"),
            request => request.Headers.Add("Idempotency-Key", "req-001"));

        Assert.Equal(200, first.Status);
        Assert.Equal(first.Body.ToJsonString(), second.Body.ToJsonString());
        Assert.Equal(first.Body.ToJsonString(), viaHeader.Body.ToJsonString());
        Assert.Equal(1_000m - 200.50m, await shop.BalanceAsync());
        Assert.Equal(1, await App.WithDbAsync(db => db.BillOrders.CountAsync(o => o.ResellerId == shop.Id)));
    }

    [Fact]
    public async Task Status_check_finds_an_order_by_its_request_id_for_its_own_reseller_only()
    {
        var shop = await App.CreateResellerAsync(1_000m, "Lookup Shop");
        var other = await App.CreateResellerAsync(1_000m, "Other Shop");
        var placed = await shop.BillAsync("submit", Submit("200", "req-lookup"));
        Assert.Equal(200, placed.Status);

        var byKey = await shop.BillAsync("status_check", [("request_id", "req-lookup")]);
        Assert.Equal(200, byKey.Status);
        Assert.Equal(placed.Body["order_number"]!.GetValue<string>(), byKey.Body["order_number"]!.GetValue<string>());

        var unknown = await shop.BillAsync("status_check", [("request_id", "req-never-sent")]);
        var othersKey = await other.BillAsync("status_check", [("request_id", "req-lookup")]);
        foreach (var (status, body) in new[] { unknown, othersKey })
        {
            Assert.Equal(404, status);
            Assert.Equal("Transaction not found.", body["error"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task The_same_key_with_other_parameters_is_refused()
    {
        var shop = await App.CreateResellerAsync(1_000m, "Mismatch Shop");
        Assert.Equal(200, (await shop.BillAsync("submit", Submit("200", "req-002"))).Status);
        var (status, body) = await shop.BillAsync("submit", Submit("300", "req-002"));
        Assert.Equal(422, status);
        Assert.Equal("request_id", body["field"]!.GetValue<string>());
        Assert.Equal(1_000m - 200.50m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task Keys_are_scoped_per_reseller()
    {
        var a = await App.CreateResellerAsync(1_000m, "Shop A");
        var b = await App.CreateResellerAsync(1_000m, "Shop B");
        var fromA = await a.BillAsync("submit", Submit("100", "shared-key"));
        var fromB = await b.BillAsync("submit", Submit("100", "shared-key"));
        Assert.Equal(200, fromB.Status);
        Assert.NotEqual(fromA.Body["order_number"]!.GetValue<string>(), fromB.Body["order_number"]!.GetValue<string>());
        Assert.Equal(1_000m - 100.50m, await a.BalanceAsync());
        Assert.Equal(1_000m - 100.50m, await b.BalanceAsync());
    }

    [Fact]
    public async Task A_key_whose_first_request_is_still_running_answers_409()
    {
        var shop = await App.CreateResellerAsync(1_000m, "Slow Shop");
        // Hold the key's lock the way an in-flight first request does, from another connection.
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@k)", connection, transaction))
        {
            command.Parameters.AddWithValue("k", IdempotencyGate.AdvisoryLockKey(shop.Id, "bill_submit", "req-inflight"));
            await command.ExecuteNonQueryAsync();
        }

        var (status, body) = await shop.BillAsync("submit", Submit("100", "req-inflight"));
        Assert.Equal(409, status);
        Assert.Contains("still being processed", body["error"]!.GetValue<string>());
        Assert.Equal(1_000m, await shop.BalanceAsync());

        await transaction.RollbackAsync();
        Assert.Equal(200, (await shop.BillAsync("submit", Submit("100", "req-inflight"))).Status);
    }

    [Fact]
    public async Task Concurrent_retries_of_one_key_charge_once()
    {
        var shop = await App.CreateResellerAsync(1_000m, "Double Click Shop");
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => shop.BillAsync("submit", Submit("100", "req-burst"))));
        var succeeded = results.Where(r => r.Status == 200).ToList();
        Assert.NotEmpty(succeeded);
        Assert.All(results, r => Assert.Contains(r.Status, new[] { 200, 409 }));
        Assert.Single(succeeded.Select(r => r.Body["order_number"]!.GetValue<string>()).Distinct());
        Assert.Equal(1_000m - 100.50m, await shop.BalanceAsync());
        Assert.Equal(1, await App.WithDbAsync(db => db.BillOrders.CountAsync(o => o.ResellerId == shop.Id)));
    }
}
