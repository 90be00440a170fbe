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
// The write notes' connection and command are disposed in IAsyncLifetime.DisposeAsync, which xunit calls for a fixture; CA1001 only knows IDisposable.
#pragma warning disable CA1001
public sealed class HostileFixture : IAsyncLifetime
#pragma warning restore CA1001
{
    /// <summary>
    /// A row trigger on every table but the audit log (a refused admin call is audited, and may be) and the migrations
    /// history notes the table in <c>hostile_writes</c>, in the writer's own transaction: an insert, an update (also one that
    /// changes no value), a delete or a truncate that commits leaves a note, one that rolls back leaves none. A case then reads
    /// the notes in one statement instead of counting every table's rows and reading their newest row version (the class
    /// took 30-32 instead of 33-35 CPU-s).
    /// </summary>
    private const string WriteNotesSql = """
        CREATE TABLE hostile_writes (table_name text NOT NULL);
        CREATE FUNCTION hostile_note_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO hostile_writes VALUES (TG_TABLE_NAME);
            RETURN NULL;
        END $$;
        DO $$
        DECLARE watched text;
        BEGIN
            FOR watched IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'
                AND tablename NOT IN ('audit_log', 'hostile_writes', '__ef_migrations_history')
            LOOP
                EXECUTE format('CREATE TRIGGER hostile_note_row AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION hostile_note_write()', watched);
                EXECUTE format('CREATE TRIGGER hostile_note_truncate AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION hostile_note_write()', watched);
            END LOOP;
        END $$;
        """;

    public PaymentHubApp App { get; private set; } = null!;
    public TestReseller Shop { get; private set; } = null!;

    /// <summary>One client (one keep-alive connection) for the whole suite.</summary>
    public HttpClient Client { get; private set; } = null!;
    private Dictionary<string, string> _tokens = [];
    private long _logOffset;
    private Npgsql.NpgsqlConnection? _writeNotesConnection;
    private Npgsql.NpgsqlCommand? _readWriteNotes;

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
        await Sql.ExecuteAsync(App, WriteNotesSql);
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

    /// <summary>The tables written since the last call (empty when none), each once, by name.</summary>
    public async Task<List<string>> ChangedTablesAsync()
    {
        // Prepared once on a connection of its own: it runs after each of the thousands of cases.
        if (_readWriteNotes is null)
        {
            _writeNotesConnection = new Npgsql.NpgsqlConnection(App.ConnectionString);
            await _writeNotesConnection.OpenAsync();
            _readWriteNotes = new Npgsql.NpgsqlCommand("DELETE FROM hostile_writes RETURNING table_name", _writeNotesConnection);
            await _readWriteNotes.PrepareAsync();
        }
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        await using var reader = await _readWriteNotes.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            changed.Add(reader.GetString(0));
        }
        return [.. changed];
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
        if (_readWriteNotes is not null)
        {
            await _readWriteNotes.DisposeAsync();
        }
        if (_writeNotesConnection is not null)
        {
            await _writeNotesConnection.DisposeAsync();
        }
        Client.Dispose();
        await App.DisposeAsync();
    }
}
