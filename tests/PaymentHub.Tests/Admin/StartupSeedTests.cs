using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Infrastructure;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Admin;

/// <summary>
/// What a first start shows the operator once (the admin key without Admin:BootstrapKey, the demo reseller's credentials)
/// and what a second start on the same database leaves alone.
/// </summary>
public sealed partial class StartupSeedTests
{
    /// <summary>A gateway whose operator console is captured.</summary>
    private sealed record Started(PaymentHubApp App, StringWriter Console) : IAsyncDisposable
    {
        public string Shown => Console.ToString();

        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    private static async Task<Started> StartAsync(string name, Dictionary<string, string?> settings, string? sharedDatabase = null)
    {
        var console = new StringWriter();
        var app = await PaymentHubApp.StartAsync(name, settings,
            services => services.AddSingleton(new OperatorConsole(TextWriter.Synchronized(console))), sharedDatabase);
        return new Started(app, console);
    }

    private static HttpClient AdminClient(PaymentHubApp app, string key)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task AssertLedgerOkAsync(PaymentHubApp app, string adminKey)
    {
        using var admin = AdminClient(app, adminKey);
        var check = (await admin.GetFromJsonAsync<JsonNode>("/admin/v1/ledger/check"))!;
        Assert.True(check["ok"]!.GetValue<bool>(), check.ToJsonString());
    }

    [Fact]
    public async Task Without_a_bootstrap_key_the_first_start_prints_one_working_admin_key_and_a_restart_prints_none()
    {
        var settings = new Dictionary<string, string?> { ["Admin:BootstrapKey"] = "" };
        string key;
        string database;
        await using (var first = await StartAsync("startup_admin_key", settings))
        {
            database = first.App.ConnectionString;
            key = Assert.Single(AdminKeyPattern().Matches(first.Shown)).Value;
            Assert.Contains("shown only this once", first.Shown);

            using var admin = AdminClient(first.App, key);
            Assert.Equal(200, (int)(await admin.GetAsync("/admin/v1/resellers")).StatusCode);
            Assert.Equal(201, (int)(await admin.PostAsJsonAsync("/admin/v1/resellers", new { name = "First Shop" })).StatusCode);
            using var wrong = AdminClient(first.App, PaymentHubApp.AdminKey);
            Assert.Equal(401, (int)(await wrong.GetAsync("/admin/v1/resellers")).StatusCode);
            await RequestLogLines.WaitForAsync(first.App, l => l["Path"]!.GetValue<string>() == "/admin/v1/resellers", 3);
            Assert.Contains("No admin key existed", first.App.ReadLog());
            Assert.DoesNotContain(key, first.App.ReadLog());
            Assert.DoesNotContain(key[4..], first.App.ReadLog());
            await AssertLedgerOkAsync(first.App, key);
        }

        await using var second = await StartAsync("startup_admin_key", settings, database);
        Assert.DoesNotMatch(AdminKeyPattern(), second.Shown);
        Assert.Equal("", second.Shown.Trim());
        using (var admin = AdminClient(second.App, key))
        {
            var resellers = (await admin.GetFromJsonAsync<JsonArray>("/admin/v1/resellers"))!;
            Assert.Contains(resellers, r => r!["name"]!.GetValue<string>() == "First Shop");
            var keys = (await admin.GetFromJsonAsync<JsonArray>("/admin/v1/admin-keys"))!;
            Assert.Equal("initial", Assert.Single(keys)!["name"]!.GetValue<string>());
        }
        Assert.DoesNotContain(key, second.App.ReadLog());
        await AssertLedgerOkAsync(second.App, key);
    }

    [Fact]
    public async Task The_demo_seed_prints_working_reseller_credentials_once_and_a_restart_keeps_the_operators_choices()
    {
        var settings = new Dictionary<string, string?> { ["Demo:Seed"] = "true" };
        string apiKey;
        string apiSecret;
        string database;
        await using (var first = await StartAsync("startup_demo", settings))
        {
            database = first.App.ConnectionString;
            Assert.DoesNotMatch(AdminKeyPattern(), first.Shown);
            apiKey = DemoLine("api_key", first.Shown);
            apiSecret = DemoLine("api_secret", first.Shown);
            var demo = new TestReseller(first.App, 0, apiKey, apiSecret);

            var (status, providers) = await demo.BillAsync("provider_check");
            Assert.Equal(200, status);
            Assert.Equal(["DESCO", "DPDC", "NESCO", "WZPDCL", "BPDB", "Palli Bidyut (BREB)"],
                providers["providers"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
            Assert.Equal("10000.00", (await demo.PostFormAsync("/api/wallet.php?action=balance", [])).Body["balance"]!.GetValue<string>());
            var operators = await first.App.AdminGetAsync("/admin/v1/operators");
            Assert.All(operators.AsArray(), o => Assert.Equal("sandbox", o!["connector"]!.GetValue<string>()));

            using var admin = first.App.Admin();
            Assert.Equal(200, (int)(await admin.PatchAsync("/admin/v1/operators/TT", JsonContent.Create(new { connector = "manual" }))).StatusCode);
            await RequestLogLines.WaitForAsync(first.App, l => l["Path"]!.GetValue<string>() == "/admin/v1/operators/TT");
            Assert.DoesNotContain(apiSecret, first.App.ReadLog());
            await first.App.AssertLedgerOkAsync();
        }

        await using var second = await StartAsync("startup_demo", settings, database);
        Assert.Equal("", second.Shown.Trim());
        var after = await second.App.AdminGetAsync("/admin/v1/operators");
        Assert.Equal("manual", after.AsArray().Single(o => o!["code"]!.GetValue<string>() == "TT")!["connector"]!.GetValue<string>());
        Assert.Equal("sandbox", after.AsArray().Single(o => o!["code"]!.GetValue<string>() == "GP")!["connector"]!.GetValue<string>());
        var again = new TestReseller(second.App, 0, apiKey, apiSecret);
        Assert.Equal("10000.00", (await again.PostFormAsync("/api/wallet.php?action=balance", [])).Body["balance"]!.GetValue<string>());
        Assert.Single((await second.App.AdminGetAsync("/admin/v1/resellers")).AsArray());
        Assert.Equal(6, (await second.App.AdminGetAsync("/admin/v1/providers")).AsArray().Count);
        await second.App.AssertLedgerOkAsync();
    }

    private static string DemoLine(string name, string shown)
    {
        var match = Regex.Match(shown, $@"^\s*{name}\s*=\s*(\S+)\s*$", RegexOptions.Multiline);
        Assert.True(match.Success, $"'{name}' was not shown: {shown}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("pha_[0-9a-f]{64}")]
    private static partial Regex AdminKeyPattern();
}
