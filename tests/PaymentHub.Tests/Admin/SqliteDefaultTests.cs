using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace PaymentHub.Tests.Admin;

/// <summary>The run command's embedded default: SQLite, migrated at start-up, demo data seeded, sandbox fulfilment.</summary>
public sealed class SqliteDefaultTests : IAsyncLifetime
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("paymenthub-sqlite");
    private WebApplicationFactory<Program> _app = null!;

    public Task InitializeAsync()
    {
        _app = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:PaymentHub", $"Data Source={Path.Combine(_dir.FullName, "paymenthub.db")}");
            builder.UseSetting("Admin:BootstrapKey", "sqlite-admin-key-0123456789");
            builder.UseSetting("Fulfilment:PollIntervalMs", "100");
            builder.UseSetting("Logging:Console:MinimumLevel", "Warning");
        });
        _app.CreateClient().Dispose();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Demo_catalogue_matches_the_seed_examples_and_a_bill_completes()
    {
        using var admin = Admin();
        var (id, key) = await NewShopAsync(admin);
        using var client = _app.CreateClient();
        Task<JsonNode> Post(string action, params (string, string)[] fields) => PostFormAsync(client, key, $"/api/bill-payment.php?action={action}", fields);

        var services = await Post("service_check", ("provider_id", "1"));
        Assert.Equal("DESCO", services["provider"]!["name"]!.GetValue<string>());
        Assert.Contains(services["services"]!.AsArray(), s => s!["id"]!.GetValue<string>() == "5" && s["name"]!.GetValue<string>() == "DESCO Prepaid");

        var submitted = await Post("submit", ("provider_id", "1"), ("service_id", "5"), ("amount", "500"), ("meter_number", "123456789"),
            ("bill_month", "2026-04"), ("contact_number", "017XXXXXXXX"));
        Assert.Equal("Processing", submitted["status"]!.GetValue<string>());
        var orderNumber = submitted["order_number"]!.GetValue<string>();

        JsonNode status;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        do
        {
            await Task.Delay(200);
            status = await Post("status_check", ("order_number", orderNumber));
        }
        while (status["status"]!.GetValue<string>() == "Processing" && DateTime.UtcNow < deadline);
        Assert.Equal("Success", status["status"]!.GetValue<string>());

        var balance = (await admin.GetFromJsonAsync<JsonNode>($"/admin/v1/resellers/{id}"))!["balance"]!.GetValue<decimal>();
        Assert.Equal(500m, balance);

        var recharge = await client.PostAsync("/api/mobile-recharge.php", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["api_key"] = key!["api_key"]!.GetValue<string>(), ["api_secret"] = key["api_secret"]!.GetValue<string>(),
            ["phone"] = "01712345678", ["amount"] = "20", ["operator"] = "GP ST", ["account_type"] = "prepaid",
        }));
        var reply = JsonNode.Parse(await recharge.Content.ReadAsStringAsync())!;
        Assert.Equal("Success", reply["status"]!.GetValue<string>());
        Assert.Equal("Grameenphone Skitto", reply["operator_name"]!.GetValue<string>());
        Assert.Equal("500.00", reply["before_balance"]!.GetValue<string>());
        Assert.Equal("480.20", reply["after_balance"]!.GetValue<string>());
        Assert.Equal("silver", reply["reward"]!["points"]!["new_level_key"]!.GetValue<string>());
        // Statements read the ledger the same way on SQLite: the credit, the bill and the recharge, ending at the balance.
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(6));
        var statement = await client.PostAsync("/api/wallet.php?action=statement", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["api_key"] = key["api_key"]!.GetValue<string>(), ["api_secret"] = key["api_secret"]!.GetValue<string>(),
            ["from"] = today.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["to"] = today.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }));
        var lines = JsonNode.Parse(await statement.Content.ReadAsStringAsync())!;
        Assert.Equal("480.20", lines["closing_balance"]!.GetValue<string>());
        Assert.Equal(["1000.00", "500.00", "480.20"], lines["entries"]!.AsArray().Select(e => e!["balance"]!.GetValue<string>()));
        var csv = await admin.GetStringAsync($"/admin/v1/wallets/statement.csv?from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}");
        Assert.Contains($",{id},", csv);
        Assert.Contains(",0.00,1000.00,519.80,480.20,3", csv);

        var check = await admin.GetFromJsonAsync<JsonNode>("/admin/v1/ledger/check");
        Assert.True(check!["ok"]!.GetValue<bool>(), check.ToJsonString());
    }

    [Fact]
    public async Task A_recharge_earns_a_cashback_offer_within_its_daily_cap_and_not_after_the_offer_is_deactivated()
    {
        using var admin = Admin();
        var (_, key) = await NewShopAsync(admin);
        Assert.True((await admin.PatchAsJsonAsync("/admin/v1/operators/GP", new { connector = "sandbox" })).IsSuccessStatusCode);
        var offer = await (await admin.PostAsJsonAsync("/admin/v1/cashback-offers", new
        {
            name = "SQLite GP", operator_code = "GP", min_amount = 50m, type = "fixed", value = 5m,
            valid_from = DateTime.UtcNow.AddHours(-1), valid_until = DateTime.UtcNow.AddDays(1), max_per_reseller_per_day = 1,
        })).Content.ReadFromJsonAsync<JsonNode>();
        using var client = _app.CreateClient();
        async Task<JsonNode> CashbackAsync(string amount)
        {
            var reply = await PostFormAsync(client, key, "/api/mobile-recharge.php", ("phone", "01712345678"), ("amount", amount), ("operator", "GP"));
            Assert.True(reply["status"]?.GetValue<string>() == "Success", reply.ToJsonString());
            return reply["reward"]!["cashback"]!;
        }

        Assert.Equal("No eligible active offer found", (await CashbackAsync("40"))["message"]!.GetValue<string>());
        Assert.Equal("5.00", (await CashbackAsync("60"))["amount"]!.GetValue<string>());
        Assert.Equal("No eligible active offer found", (await CashbackAsync("60"))["message"]!.GetValue<string>());
        await admin.PutAsJsonAsync($"/admin/v1/cashback-offers/{offer!["id"]}", new
        {
            name = "SQLite GP", operator_code = "GP", min_amount = 50m, type = "fixed", value = 5m,
            valid_from = DateTime.UtcNow.AddHours(-1), valid_until = DateTime.UtcNow.AddDays(1), max_per_reseller_per_day = 3,
        });
        Assert.Equal("5.00", (await CashbackAsync("60"))["amount"]!.GetValue<string>());
        Assert.Equal(204, (int)(await admin.DeleteAsync($"/admin/v1/cashback-offers/{offer["id"]}")).StatusCode);
        Assert.Equal("No eligible active offer found", (await CashbackAsync("60"))["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failed_sandbox_recharge_is_refunded_and_status_check_reads_both_outcomes_back_on_sqlite()
    {
        using var admin = Admin();
        var (id, key) = await NewShopAsync(admin);
        Assert.True((await admin.PatchAsJsonAsync("/admin/v1/operators/GP", new { connector = "sandbox" })).IsSuccessStatusCode);
        using var client = _app.CreateClient();
        var funded = (await admin.GetFromJsonAsync<JsonNode>($"/admin/v1/resellers/{id}"))!["balance"]!.GetValue<decimal>();

        var failed = await PostFormAsync(client, key, "/api/mobile-recharge.php", ("phone", "01712340000"), ("amount", "50"), ("operator", "GP"));
        Assert.True(failed["status"]?.GetValue<string>() == "Failed", failed.ToJsonString());
        var succeeded = await PostFormAsync(client, key, "/api/mobile-recharge.php", ("phone", "01712345678"), ("amount", "50"), ("operator", "GP"));
        Assert.True(succeeded["status"]?.GetValue<string>() == "Success", succeeded.ToJsonString());
        // The refund put the wallet back where it was before the failed recharge.
        Assert.Equal(funded, decimal.Parse(succeeded["before_balance"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));

        foreach (var (reply, status) in new[] { (failed, "Failed"), (succeeded, "Success") })
        {
            var read = await PostFormAsync(client, key, "/api/mobile-recharge.php?action=status_check",
                ("order_number", reply["order_number"]!.GetValue<string>()));
            Assert.True(read["status"]?.GetValue<string>() == status, read.ToJsonString());
        }
        var balance = (await admin.GetFromJsonAsync<JsonNode>($"/admin/v1/resellers/{id}"))!["balance"]!.GetValue<decimal>();
        Assert.Equal(succeeded["after_balance"]!.GetValue<string>(), balance.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
        var check = await admin.GetFromJsonAsync<JsonNode>("/admin/v1/ledger/check");
        Assert.True(check!["ok"]!.GetValue<bool>(), check.ToJsonString());
    }

    [Fact]
    public async Task Concurrent_key_creates_on_sqlite_leave_at_most_two_active_keys_and_the_rest_get_the_409_problem()
    {
        using var admin = Admin();
        // One active key already (NewShopAsync): of eight creates at once, exactly one may succeed. SQLite has no row lock;
        // its write transaction (BEGIN IMMEDIATE) must serialise the count and the insert, and a busy database must not
        // surface as a 500.
        var (id, _) = await NewShopAsync(admin);
        using var start = new SemaphoreSlim(0);
        var creates = Enumerable.Range(0, 8).Select(async _ =>
        {
            using var client = Admin();
            await start.WaitAsync();
            using var response = await client.PostAsJsonAsync($"/admin/v1/resellers/{id}/api-keys", new { });
            return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        }).ToList();
        start.Release(creates.Count);
        var replies = await Task.WhenAll(creates);

        Assert.Equal(1, replies.Count(r => r.Item1 == 201));
        Assert.All(replies.Where(r => r.Item1 != 201), r =>
        {
            Assert.Equal(409, r.Item1);
            Assert.Equal("Too many active API keys", r.Item2["title"]!.GetValue<string>());
        });
        var keys = await admin.GetFromJsonAsync<JsonNode>($"/admin/v1/resellers/{id}/api-keys");
        Assert.Equal(2, keys!.AsArray().Count(k => k!["active"]!.GetValue<bool>()));
    }

    private HttpClient Admin()
    {
        var admin = _app.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", "sqlite-admin-key-0123456789");
        return admin;
    }

    /// <summary>A new reseller with 1,000 in its wallet: its id and API key.</summary>
    private static async Task<(int Id, JsonNode Key)> NewShopAsync(HttpClient admin)
    {
        var reseller = await (await admin.PostAsJsonAsync("/admin/v1/resellers", new { name = $"SQLite Shop {Guid.NewGuid():N}" })).Content.ReadFromJsonAsync<JsonNode>();
        var id = reseller!["id"]!.GetValue<int>();
        var key = await (await admin.PostAsJsonAsync($"/admin/v1/resellers/{id}/api-keys", new { })).Content.ReadFromJsonAsync<JsonNode>();
        await admin.PostAsJsonAsync($"/admin/v1/resellers/{id}/wallet/credits", new { amount = 1000m });
        return (id, key!);
    }

    private static async Task<JsonNode> PostFormAsync(HttpClient client, JsonNode key, string path, params (string, string)[] fields)
    {
        var form = new Dictionary<string, string> { ["api_key"] = key["api_key"]!.GetValue<string>(), ["api_secret"] = key["api_secret"]!.GetValue<string>() };
        foreach (var (k, v) in fields)
        {
            form[k] = v;
        }
        var response = await client.PostAsync(path, new FormUrlEncodedContent(form));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}
