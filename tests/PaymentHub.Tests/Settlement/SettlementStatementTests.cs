using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Npgsql;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Settlement;

/// <summary>
/// What a settlement sends to PostgreSQL, read from Npgsql's own trace of the commands this class's database received: a
/// recharge settled on the request thread (success and failure) and a bill order settled by the worker run without a
/// savepoint, because none of them goes on in its transaction after a failed save (see SavepointFreeSave), and read
/// their order under a row lock (see RowLocks); the recharge's success, needing no cashback and no callback here, in the
/// one statement that is its whole settlement (RechargeSuccessStatement).
/// </summary>
public sealed class SettlementStatementTests(GatewayFixture fixture)
    : GatewayTest(fixture, "settlement_statements"), IClassFixture<GatewayFixture>, IDisposable
{
    private readonly ConcurrentQueue<string> _statements = new();
    private ActivityListener? _listener;

    protected override async Task SeedAsync()
    {
        using var admin = App.Admin();
        Assert.Equal(200, (int)(await admin.PatchAsync("/admin/v1/operators/GP", JsonContent.Create(new { connector = "sandbox" }))).StatusCode);
        var database = new NpgsqlConnectionStringBuilder(App.ConnectionString).Database!;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                // Other test classes run at the same time in this process, each on its own database.
                var tags = activity.TagObjects.Select(t => t.Value?.ToString() ?? "").ToList();
                if (tags.Contains(database, StringComparer.Ordinal))
                {
                    _statements.Enqueue(string.Join(" | ", tags));
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener?.Dispose();

    private List<string> Sent()
    {
        var sent = new List<string>();
        while (_statements.TryDequeue(out var statement))
        {
            sent.Add(statement);
        }
        return sent;
    }

    [Theory]
    [InlineData("01712345678", "Success")]
    [InlineData("01712340000", "Failed")]
    public async Task A_recharge_settled_on_the_request_thread_takes_no_savepoint(string phone, string outcome)
    {
        var shop = await App.CreateResellerAsync(1_000m);
        Sent();
        var (status, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", phone), ("amount", "100"), ("operator", "GP")]);
        var sent = Sent();

        Assert.Equal(200, status);
        Assert.Equal(outcome, body["status"]!.GetValue<string>());
        // The trace is read at all: the settlement's write of the order is in it.
        Assert.Contains(sent, s => s.Contains("UPDATE recharge_orders", StringComparison.Ordinal));
        // The settlement read its order under a row lock of the order's row only: a success without cashback or callback
        // in the one statement that is all of its settlement (RechargeSuccessStatement), a failure in its own read (RowLocks).
        var oneStatement = sent.Where(s => s.Contains("WITH target AS", StringComparison.Ordinal)).ToList();
        var lockingRead = sent.Where(s => s.Contains("INNER JOIN resellers AS r0", StringComparison.Ordinal)).ToList();
        Assert.All(oneStatement, s => Assert.Contains("FOR UPDATE OF r)", s, StringComparison.Ordinal));
        Assert.All(lockingRead, s => Assert.Contains("\nFOR UPDATE OF r", s, StringComparison.Ordinal));
        Assert.Equal(outcome == "Success" ? (1, 0) : (0, 1), (oneStatement.Count, lockingRead.Count));
        Assert.DoesNotContain(sent, s => s.Contains("SAVEPOINT", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("123456789", "Success", "token_number")]
    [InlineData("55550000", "Cancelled", "refund_journal_id")]
    public async Task A_bill_order_settled_by_the_worker_takes_no_savepoint(string meter, string outcome, string settlementColumn)
    {
        var shop = await App.CreateResellerAsync(1_000m);
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number", provider: "Statement Power");
        Sent();
        var (status, body) = await shop.BillAsync("submit", ("provider_id", providerId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("service_id", serviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("amount", "120.50"), ("meter_number", meter));
        Assert.Equal(200, status);
        var orderNumber = body["order_number"]!.GetValue<string>();
        // The sandbox settles the bill a second later (a customer number ending in 0000 is cancelled), in the bill worker.
        var final = await shop.SettleSandboxBillAsync(Clock, orderNumber);
        var sent = Sent();

        Assert.Equal(outcome, final["status"]!.GetValue<string>());
        Assert.Contains(sent, s => s.Contains("UPDATE bill_orders", StringComparison.Ordinal) && s.Contains(settlementColumn, StringComparison.Ordinal));
        Assert.Contains(sent, s => s.Contains("FROM bill_orders AS b", StringComparison.Ordinal) && s.Contains("\nFOR UPDATE OF b", StringComparison.Ordinal));
        Assert.DoesNotContain(sent, s => s.Contains("SAVEPOINT", StringComparison.OrdinalIgnoreCase));
    }
}
