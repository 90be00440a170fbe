using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Tests.Infrastructure;
using PaymentHub.Wallet;

namespace PaymentHub.Tests.Wallet;

/// <summary>
/// Statements are read from the ledger alone; their closing balance must be the wallet's balance, whatever mix of
/// credits, debits, bill payments, refunds, recharges, failed recharges and cashback made it.
/// </summary>
[RunsLong(110)]
public sealed class WalletStatementTests(GatewayFixture fixture) : GatewayTest(fixture, "wallet_statements"), IClassFixture<GatewayFixture>
{
    private static readonly TimeSpan Dhaka = TimeSpan.FromHours(6);

    protected override async Task SeedAsync()
    {
        using var admin = App.Admin();
        foreach (var code in new[] { "GP", "RB" })
        {
            Assert.Equal(200, (int)(await admin.PatchAsync($"/admin/v1/operators/{code}", JsonContent.Create(new { connector = "sandbox" }))).StatusCode);
        }
        var now = DateTime.UtcNow;
        await App.AdminPostAsync("/admin/v1/cashback-offers", new
        {
            name = "Robi 2", operator_code = "RB", min_amount = 50m, type = "fixed", value = 2m,
            valid_from = now.AddHours(-1), valid_until = now.AddDays(2), max_per_reseller_per_day = 100_000,
        }, 201);
    }

    [Fact]
    public async Task The_closing_balance_equals_the_wallet_balance_after_thousands_of_mixed_operations()
    {
        var shop = await App.CreateResellerAsync(0m, "Statement Shop");
        var other = await App.CreateResellerAsync(500m, "Other Shop");
        var (providerId, serviceId) = await App.CreateServiceAsync(provider: "STMT");
        await CreditAsync(shop, 200_000m);

        // Two thousand operations, eight at a time, in a fixed pseudo-random mix.
        var random = new Random(20261202);
        var plan = Enumerable.Range(0, 2_000).Select(i => (Index: i, Kind: random.Next(10), Amount: 10 + random.Next(90))).ToList();
        var midway = DateTime.MinValue;
        var balanceMidway = 0m;
        foreach (var batch in plan.Chunk(1_000))
        {
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (op, _) =>
            {
                var amount = op.Amount.ToString(CultureInfo.InvariantCulture);
                switch (op.Kind)
                {
                    case 0:
                        await CreditAsync(shop, op.Amount);
                        break;
                    case 1:
                        using (var admin = App.Admin())
                        {
                            // May be refused when the wallet is short; either way the ledger says what happened.
                            await admin.PostAsJsonAsync($"/admin/v1/resellers/{shop.Id}/wallet/debits", new { amount = op.Amount, note = "op" }, CancellationToken.None);
                        }
                        break;
                    case 2 or 3:
                    {
                        var (status, body) = await shop.BillAsync("submit", ("provider_id", $"{providerId}"), ("service_id", $"{serviceId}"),
                            ("amount", amount), ("meter_number", $"9{op.Index:D7}"), ("bill_month", "2026-11"), ("contact_number", "01712345678"));
                        Assert.Equal(200, status);
                        if (op.Kind == 3)
                        {
                            await App.AdminPostAsync($"/admin/v1/orders/{body["order_number"]!.GetValue<string>()}/cancel", new { cancel_note = "test" });
                        }
                        break;
                    }
                    case 4 or 5 or 6:
                        Assert.Equal("Success", (await RechargeAsync(shop, $"0181{op.Index:D4}555", op.Amount < 50 ? "50" : amount, "RB"))["status"]!.GetValue<string>());
                        break;
                    case 7 or 8:
                        Assert.Equal("Success", (await RechargeAsync(shop, $"0171{op.Index:D4}556", "20", "GP"))["status"]!.GetValue<string>());
                        break;
                    default:
                        // The sandbox fails a number ending 0000: debited, then refunded in the same request.
                        Assert.Equal("Failed", (await RechargeAsync(shop, $"0171{op.Index % 1000:D3}0000", "20", "GP"))["status"]!.GetValue<string>());
                        break;
                }
            });
            if (midway == DateTime.MinValue)
            {
                balanceMidway = await shop.BalanceAsync();
                await Task.Delay(20);
                midway = DateTime.UtcNow;
                await Task.Delay(20);
            }
        }

        var balance = await shop.BalanceAsync();
        var ledgerEntries = await App.WithDbAsync(db => db.LedgerEntries.CountAsync(e => db.Resellers.Any(r => r.Id == shop.Id && r.WalletAccountId == e.AccountId)));
        Assert.True(ledgerEntries > 2_000, $"only {ledgerEntries} wallet entries");

        // The reseller's statement, page by page: every line adds up, and the last balance is the wallet's.
        var (from, to) = AroundToday();
        var lines = new List<JsonNode>();
        JsonNode? first = null;
        for (var page = 1; ; page++)
        {
            var (status, body) = await shop.PostFormAsync("/api/wallet.php?action=statement",
                [("from", from), ("to", to), ("page", $"{page}"), ("per_page", "500")]);
            Assert.Equal(200, status);
            first ??= body;
            Assert.Equal(first["closing_balance"]!.GetValue<string>(), body["closing_balance"]!.GetValue<string>());
            var entries = body["entries"]!.AsArray();
            if (entries.Count == 0)
            {
                Assert.Equal(page - 1, body["total_pages"]!.GetValue<int>());
                break;
            }
            lines.AddRange(entries!);
        }
        Assert.Equal("0.00", first!["opening_balance"]!.GetValue<string>());
        Assert.Equal(Money(balance), first["closing_balance"]!.GetValue<string>());
        Assert.Equal(ledgerEntries, first["total_entries"]!.GetValue<int>());
        Assert.Equal(ledgerEntries, lines.Count);
        var running = 0m;
        foreach (var line in lines)
        {
            running += decimal.Parse(line["amount"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            Assert.Equal(Money(running), line["balance"]!.GetValue<string>());
        }
        Assert.Equal(balance, running);
        Assert.Equal(lines.Count, lines.Select(l => l["entry_id"]!.GetValue<long>()).Distinct().Count());
        Assert.Contains(lines, l => l["kind"]!.GetValue<string>() == "recharge_refund");
        Assert.Contains(lines, l => l["kind"]!.GetValue<string>() == "bill_order_refund");
        Assert.Contains(lines, l => l["kind"]!.GetValue<string>() == "cashback");

        // At the moment between the two halves, the ledger's balance of the wallet was the one read then.
        var walletId = await App.WithDbAsync(db => db.Resellers.Where(r => r.Id == shop.Id).Select(r => r.WalletAccountId).SingleAsync());
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var statements = scope.ServiceProvider.GetRequiredService<WalletStatements>();
            Assert.Equal(balanceMidway, await statements.BalanceAtAsync(walletId, midway, default));
        }

        // The CSV export says the same, and the house export's rows for this wallet chain from opening to closing.
        using var client = App.Admin();
        var csv = (await client.GetStringAsync($"/admin/v1/resellers/{shop.Id}/wallet/statement.csv?from={from}&to={to}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("entry_id,created_at,kind,reference,description,amount,balance", csv[0]);
        Assert.EndsWith(",opening_balance,,,,0.00", csv[1]);
        Assert.EndsWith($",closing_balance,,,,{Money(balance)}", csv[^1]);
        Assert.Equal(ledgerEntries, csv.Length - 3);

        var house = (await client.GetStringAsync($"/admin/v1/wallets/statement.csv?from={from}&to={to}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("day,reseller_id,reseller_name,opening_balance,credited,debited,closing_balance,entries", house[0]);
        var days = house.Skip(1).Select(r => r.Split(',')).Where(c => c[1] == $"{shop.Id}").ToList();
        Assert.NotEmpty(days);
        Assert.Equal("0.00", days[0][3]);
        for (var i = 1; i < days.Count; i++)
        {
            Assert.Equal(days[i - 1][6], days[i][3]);
        }
        Assert.Equal(Money(balance), days[^1][6]);
        Assert.Equal(ledgerEntries, days.Sum(d => int.Parse(d[7], CultureInfo.InvariantCulture)));
        var otherDays = house.Skip(1).Select(r => r.Split(',')).Where(c => c[1] == $"{other.Id}").ToList();
        Assert.Equal("500.00", otherDays[^1][6]);

        // Another reseller's statement holds its own entries only.
        var (_, otherStatement) = await other.PostFormAsync("/api/wallet.php?action=statement", [("from", from), ("to", to)]);
        Assert.Equal(1, otherStatement["total_entries"]!.GetValue<int>());
        Assert.Equal("500.00", otherStatement["closing_balance"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_closed_day_before_the_wallet_existed_is_empty_and_its_balance_carries_into_the_next()
    {
        var shop = await App.CreateResellerAsync(120m, "Quiet Shop");
        var today = DateOnly.FromDateTime(DateTime.UtcNow + Dhaka);
        var (status, body) = await shop.PostFormAsync("/api/wallet.php?action=statement",
            [("from", Day(today.AddDays(-10))), ("to", Day(today.AddDays(-2)))]);
        Assert.Equal(200, status);
        Assert.Equal("0.00", body["opening_balance"]!.GetValue<string>());
        Assert.Equal("0.00", body["closing_balance"]!.GetValue<string>());
        Assert.Empty(body["entries"]!.AsArray());
        Assert.Equal("+06:00", body["utc_offset"]!.GetValue<string>());

        var (_, current) = await shop.PostFormAsync("/api/wallet.php?action=statement",
            [("from", Day(today.AddDays(-1))), ("to", Day(today.AddDays(1)))]);
        var entry = Assert.Single(current["entries"]!.AsArray())!;
        Assert.Equal("operator_credit", entry["kind"]!.GetValue<string>());
        Assert.Equal("120.00", entry["amount"]!.GetValue<string>());
        Assert.Equal("120.00", entry["balance"]!.GetValue<string>());
        Assert.EndsWith("+06:00", entry["created_at"]!.GetValue<string>());
        Assert.Equal("test funding", entry["description"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(null, "2026-11-30", "from", "Missing required parameters.")]
    [InlineData("2026-11-01", null, "to", "Missing required parameters.")]
    [InlineData("2026-13-01", "2026-11-30", "from", "Invalid from. Send a date as YYYY-MM-DD.")]
    [InlineData("2026-11-01", "2026-11-31", "to", "Invalid to. Send a date as YYYY-MM-DD.")]
    [InlineData("2026-1-01", "2026-11-30", "from", "Invalid from. Send a date as YYYY-MM-DD.")]
    [InlineData("01/11/2026", "2026-11-30", "from", "Invalid from. Send a date as YYYY-MM-DD.")]
    [InlineData("2026-11-30", "2026-11-01", "to", "Invalid date range: to is before from.")]
    [InlineData("2026-01-01", "2026-04-03", "to", "A statement covers at most 92 days.")]
    public async Task A_bad_range_is_a_422_naming_the_field(string? from, string? to, string field, string error)
    {
        var shop = await App.CreateResellerAsync(0m, "Range Shop");
        var fields = new List<(string, string)>();
        if (from is not null)
        {
            fields.Add(("from", from));
        }
        if (to is not null)
        {
            fields.Add(("to", to));
        }
        var (status, body) = await shop.PostFormAsync("/api/wallet.php?action=statement", [.. fields]);
        Assert.Equal(422, status);
        Assert.Equal(error, body["error"]!.GetValue<string>());
        Assert.Equal(field, body["field"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("page", "0")]
    [InlineData("page", "-1")]
    [InlineData("page", "01")]
    [InlineData("page", "1.5")]
    [InlineData("per_page", "501")]
    [InlineData("per_page", "0")]
    [InlineData("per_page", "１０")]
    public async Task Bad_paging_is_a_422(string field, string value)
    {
        var shop = await App.CreateResellerAsync(0m, "Paging Shop");
        var (status, body) = await shop.PostFormAsync("/api/wallet.php?action=statement",
            [("from", "2026-11-01"), ("to", "2026-11-30"), (field, value)]);
        Assert.Equal(422, status);
        Assert.Equal(field, body["field"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/admin/v1/wallets/statement.csv?from=2026-01-01&to=2027-01-02")]
    [InlineData("/admin/v1/wallets/statement.csv?from=2026-02-01&to=2026-01-01")]
    [InlineData("/admin/v1/wallets/statement.csv?from=2026-02-01")]
    [InlineData("/admin/v1/resellers/1/wallet/statement.csv?from=yesterday&to=2026-01-01")]
    public async Task A_bad_export_range_is_a_400_problem(string path)
    {
        using var client = App.Admin();
        var response = await client.GetAsync(path);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("Invalid date range", (await response.Content.ReadFromJsonAsync<JsonObject>())!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_export_of_an_unknown_reseller_is_a_404()
    {
        using var client = App.Admin();
        var response = await client.GetAsync("/admin/v1/resellers/999999/wallet/statement.csv?from=2026-11-01&to=2026-11-30");
        Assert.Equal(404, (int)response.StatusCode);
    }

    private async Task CreditAsync(TestReseller shop, decimal amount) =>
        await App.AdminPostAsync($"/admin/v1/resellers/{shop.Id}/wallet/credits", new { amount, note = "op" });

    private static async Task<JsonNode> RechargeAsync(TestReseller shop, string phone, string amount, string op) =>
        (await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", phone), ("amount", amount), ("operator", op)])).Body;

    private static (string From, string To) AroundToday()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow + Dhaka);
        return (Day(today.AddDays(-1)), Day(today.AddDays(1)));
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}
