using System.Text;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Funding;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Hostile;

/// <summary>
/// One gateway (real Kestrel on loopback, real PostgreSQL) for the whole hostile suite, with something for every endpoint
/// to aim at: a catalogue, a funded reseller, a Processing bill order and recharge (both manual, so nothing moves them in
/// the background), a top-up in review, a cashback offer. Every case must leave all of it exactly as it was.
/// </summary>
// The snapshot's connection and command are disposed in IAsyncLifetime.DisposeAsync, which xunit calls for a fixture; CA1001 only knows IDisposable.
#pragma warning disable CA1001
public sealed class HostileFixture : IAsyncLifetime
#pragma warning restore CA1001
{
    /// <summary>Every table but the audit log (a refused admin call is audited, and may be).</summary>
    private static readonly string[] Tables =
    [
        "admin_keys", "api_credentials", "app_settings", "bill_orders", "bill_services", "cashback_grants", "cashback_offers",
        "funding_gateways", "iak_products", "idempotency_records", "ledger_accounts", "ledger_entries", "ledger_journals",
        "mobile_operators", "providers", "recharge_orders", "reseller_reward_accounts", "resellers", "reward_levels",
        "reward_settings", "top_ups", "webhook_attempts", "webhook_deliveries", "webhook_endpoints",
    ];

    public PaymentHubApp App { get; private set; } = null!;
    public TestReseller Shop { get; private set; } = null!;

    /// <summary>One client (one keep-alive connection) for the whole suite.</summary>
    public HttpClient Client { get; private set; } = null!;
    private Dictionary<string, string> _tokens = [];
    private Dictionary<string, string> _baseline = [];
    private long _logOffset;
    private Npgsql.NpgsqlConnection? _snapshotConnection;
    private Npgsql.NpgsqlCommand? _snapshot;

    public async Task InitializeAsync()
    {
        App = await PaymentHubApp.StartAsync("hostile", new Dictionary<string, string?> { ["Funding:WatcherEnabled"] = "false" }, kestrel: true);
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number,bill_month,contact_number");
        Shop = await App.CreateResellerAsync(10_000m, "Hostile Shop");

        var (orderStatus, order) = await Shop.BillAsync("submit", ("provider_id", $"{providerId}"), ("service_id", $"{serviceId}"), ("amount", "500"),
            ("meter_number", "123456789"), ("bill_month", "2026-04"), ("contact_number", "01711111111"));
        Assert.True(orderStatus == 200, order.ToJsonString());
        var (rechargeStatus, recharge) = await Shop.PostFormAsync("/api/mobile-recharge.php",
            [("phone", "01712345678"), ("amount", "20"), ("operator", "GP"), ("account_type", "prepaid")]);
        Assert.True(rechargeStatus == 200 && recharge["status"]!.GetValue<string>() == "Processing", recharge.ToJsonString());
        var offer = await App.AdminPostAsync("/admin/v1/cashback-offers", new
        {
            name = "Hostile offer", operator_code = "GP", min_amount = 10m, type = "fixed", value = 5m, valid_from = DateTime.UtcNow.AddDays(-1),
            valid_until = DateTime.UtcNow.AddDays(30), max_per_reseller_per_day = 1,
        }, 201);
        var level = (await App.AdminGetAsync("/admin/v1/rewards/levels")).AsArray()[0]!["id"]!.GetValue<int>();
        var topUp = await App.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var row = new TopUp
            {
                Reference = TopUpGateways.NewReference(), ResellerId = Shop.Id, Gateway = FundingGateway.ShurjoPay, Amount = 100m, Currency = "BDT",
                Status = TopUpStatus.Review, GatewayOrderId = "sp-hostile-1", ReviewReason = "hostile suite", InitiatedBy = "reseller",
                CreatedAt = now, UpdatedAt = now, ExpiresAt = now.AddDays(30),
            };
            db.TopUps.Add(row);
            await db.SaveChangesAsync();
            return row.Reference;
        });

        // A callback endpoint of the shop's and one of another reseller's (which the shop must not reach); nothing
        // the fixture does afterwards raises an event, so no delivery is ever written.
        var callback = await App.AdminPostAsync($"/admin/v1/resellers/{Shop.Id}/webhooks",
            new { url = "https://hooks.example.test/hostile", events = new[] { "*" } }, 201);
        var other = await App.CreateResellerAsync(0m, "Other Hostile Shop");
        var otherCallback = await App.AdminPostAsync($"/admin/v1/resellers/{other.Id}/webhooks",
            new { url = "https://hooks.example.test/other", events = new[] { "*" } }, 201);
        var apiKeyId = await App.WithDbAsync(db => db.ApiCredentials.Where(c => c.ApiKey == Shop.ApiKey).Select(c => c.Id).SingleAsync());

        _tokens = new Dictionary<string, string>
        {
            ["$CALLBACK"] = callback["id"]!.ToJsonString(),
            ["$OTHER_CALLBACK"] = otherCallback["id"]!.ToJsonString(),
            ["$OTHER_RESELLER"] = $"{other.Id}",
            ["$API_KEY_ID"] = $"{apiKeyId}",
            ["$API_KEY"] = Shop.ApiKey,
            ["$API_SECRET"] = Shop.ApiSecret,
            ["$RESELLER"] = $"{Shop.Id}",
            ["$PROVIDER"] = $"{providerId}",
            ["$PROVIDER_FULLWIDTH"] = string.Concat($"{providerId}".Select(d => (char)('\uff10' + (d - '0')))),
            ["$PROVIDER_ARABIC"] = string.Concat($"{providerId}".Select(d => (char)('\u0660' + (d - '0')))),
            ["$SERVICE"] = $"{serviceId}",
            ["$ORDER"] = order["order_number"]!.GetValue<string>(),
            ["$RECHARGE"] = recharge["order_number"]!.GetValue<string>(),
            ["$TOPUP"] = topUp,
            ["$OFFER"] = offer["id"]!.ToJsonString(),
            ["$LEVEL"] = $"{level}",
        };
        Client = App.CreateClient();
        _baseline = await SnapshotAsync();
        _logOffset = new FileInfo(App.LogFile).Length;
    }

    /// <summary>Replaces the fixture's tokens ($API_KEY, $PROVIDER, $ORDER, …) in a path or field value.</summary>
    public string Resolve(string text)
    {
        // Longest first, so that $API_SECRET is not read as $API_ plus something.
        foreach (var (token, value) in _tokens.OrderByDescending(t => t.Key.Length))
        {
            text = text.Replace(token, value, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>Per table, a fingerprint that any insert, update or delete changes.</summary>
    public async Task<Dictionary<string, string>> SnapshotAsync()
    {
        // Row count and the newest row version (xmin): an insert or update makes a newer one, a delete lowers the count.
        // Prepared once on a connection of its own: it runs after each of the thousands of cases.
        if (_snapshot is null)
        {
            var sql = string.Join(" union all ", Tables.Select(t =>
                $"select '{t}', count(*)::text || ':' || coalesce(max(xmin::text::bigint), 0)::text from {t}"));
            _snapshotConnection = new Npgsql.NpgsqlConnection(App.ConnectionString);
            await _snapshotConnection.OpenAsync();
            _snapshot = new Npgsql.NpgsqlCommand(sql, _snapshotConnection);
            await _snapshot.PrepareAsync();
        }
        await using var reader = await _snapshot.ExecuteReaderAsync();
        var state = new Dictionary<string, string>();
        while (await reader.ReadAsync())
        {
            state[reader.GetString(0)] = reader.GetString(1);
        }
        return state;
    }

    /// <summary>The tables a case changed (empty when none); the next case is compared with what it left.</summary>
    public async Task<List<string>> ChangedTablesAsync()
    {
        var now = await SnapshotAsync();
        var changed = now.Where(t => _baseline.GetValueOrDefault(t.Key) != t.Value).Select(t => t.Key).ToList();
        _baseline = now;
        return changed;
    }

    /// <summary>The complete log lines written since the last call.</summary>
    public string NewLogText()
    {
        using var stream = new FileStream(App.LogFile, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(_logOffset, SeekOrigin.Begin);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        var buffer = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
        var complete = buffer.LastIndexOf((byte)'\n') + 1;
        _logOffset += complete;
        return Encoding.UTF8.GetString(buffer[..complete]);
    }

    public async Task DisposeAsync()
    {
        // Nothing the suite sent moved money: the fixture's own bill, recharge and funding are all the wallet ever saw.
        Assert.Equal(10_000m - 500m - 19.80m, await Shop.BalanceAsync());
        Assert.Equal(1, await App.WithDbAsync(db => db.BillOrders.CountAsync()));
        Assert.Equal(1, await App.WithDbAsync(db => db.RechargeOrders.CountAsync()));
        Assert.Equal(1, await App.WithDbAsync(db => db.TopUps.CountAsync()));
        await App.AssertLedgerOkAsync();
        if (_snapshot is not null)
        {
            await _snapshot.DisposeAsync();
        }
        if (_snapshotConnection is not null)
        {
            await _snapshotConnection.DisposeAsync();
        }
        Client.Dispose();
        await App.DisposeAsync();
    }
}
