using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Admin;

/// <summary>Every state-changing admin call is audited with who, what, when and the status the caller really got.</summary>
public sealed class AuditLogTests(GatewayFixture fixture) : GatewayTest(fixture, "admin_audit"), IClassFixture<GatewayFixture>
{
    private async Task<List<JsonNode>> EntriesAsync(string action, string target) =>
        (await App.AdminGetAsync("/admin/v1/audit-log?limit=1000")).AsArray()
        .Where(e => e!["action"]!.GetValue<string>() == action && e["target"]!.GetValue<string>() == target)
        .Select(e => e!)
        .ToList();

    [Fact]
    public async Task A_refused_debit_is_audited_with_its_422_and_moves_nothing()
    {
        var shop = await App.CreateResellerAsync(10m, "Short Shop");
        var before = DateTime.UtcNow.AddSeconds(-1);
        using var admin = App.Admin();
        var refused = await admin.PostAsJsonAsync($"/admin/v1/resellers/{shop.Id}/wallet/debits", new { amount = 50m, note = "too much" });
        Assert.Equal(422, (int)refused.StatusCode);

        var entry = Assert.Single(await EntriesAsync("POST /admin/v1/resellers/{id:int}/wallet/debits", $"/admin/v1/resellers/{shop.Id}/wallet/debits"));
        Assert.Equal(422, entry["status_code"]!.GetValue<int>());
        Assert.Equal("bootstrap", entry["actor"]!.GetValue<string>());
        Assert.Contains("too much", entry["details"]!.GetValue<string>());
        Assert.InRange(entry["at"]!.GetValue<DateTime>(), before, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(10m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task Creations_are_audited_as_201_and_the_new_api_secret_is_not_in_the_entry()
    {
        var reseller = await App.AdminPostAsync("/admin/v1/resellers", new { name = "Keyed Shop" }, 201);
        var id = reseller["id"]!.GetValue<int>();
        var key = await App.AdminPostAsync($"/admin/v1/resellers/{id}/api-keys", new { }, 201);
        var secret = key["api_secret"]!.GetValue<string>();

        var created = Assert.Single((await App.AdminGetAsync("/admin/v1/audit-log?limit=1000")).AsArray(),
            e => e!["action"]!.GetValue<string>() == "POST /admin/v1/resellers/" && e["details"]!.GetValue<string>().Contains("Keyed Shop"));
        Assert.Equal(201, created!["status_code"]!.GetValue<int>());
        var entry = Assert.Single(await EntriesAsync("POST /admin/v1/resellers/{id:int}/api-keys", $"/admin/v1/resellers/{id}/api-keys"));
        Assert.Equal(201, entry["status_code"]!.GetValue<int>());
        Assert.DoesNotContain(secret, entry.ToJsonString());
        Assert.False(await App.WithDbAsync(db => db.AuditLog.AnyAsync(a => a.Details != null && a.Details.Contains(secret))));
    }

    [Fact]
    public async Task Refused_input_is_audited_with_its_400_and_changes_nothing()
    {
        using var admin = App.Admin();
        var blank = await admin.PostAsJsonAsync("/admin/v1/resellers", new { name = "   " });
        Assert.Equal(400, (int)blank.StatusCode);
        var malformed = await admin.PostAsync("/admin/v1/resellers", new StringContent("{\"name\": 12", Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)malformed.StatusCode);
        var badConnector = await admin.PatchAsync("/admin/v1/operators/GP", JsonContent.Create(new { connector = "nowhere" }));
        Assert.Equal(400, (int)badConnector.StatusCode);

        var resellerCalls = (await EntriesAsync("POST /admin/v1/resellers/", "/admin/v1/resellers")).Where(e => e["status_code"]!.GetValue<int>() == 400).ToList();
        Assert.Equal(2, resellerCalls.Count);
        // The body that failed validation is recorded; the one that could not be read is not.
        Assert.Contains(resellerCalls, e => e["details"]?.GetValue<string>().Contains("\"name\":\"   \"", StringComparison.Ordinal) == true);
        Assert.Contains(resellerCalls, e => e["details"] is null);
        var patch = Assert.Single(await EntriesAsync("PATCH /admin/v1/operators/{code}", "/admin/v1/operators/GP"));
        Assert.Equal(400, patch["status_code"]!.GetValue<int>());
        Assert.Contains("nowhere", patch["details"]!.GetValue<string>());
        Assert.False(await App.WithDbAsync(db => db.Resellers.AnyAsync(r => r.Name.Trim() == "")));
        Assert.Equal("manual", await App.WithDbAsync(db => db.MobileOperators.Where(o => o.Code == "GP").Select(o => o.Connector).SingleAsync()));
    }

    [Fact]
    public async Task A_call_that_fails_is_audited_with_its_500_and_the_key_that_made_it()
    {
        var ops = (await App.AdminPostAsync("/admin/v1/admin-keys", new { name = "ops-audit" }, 201))["key"]!.GetValue<string>();
        using var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ops);
        await Sql.ExecuteAsync(App, "ALTER TABLE providers RENAME TO providers_gone");
        HttpResponseMessage failed;
        try
        {
            failed = await client.PostAsJsonAsync("/admin/v1/providers", new { name = "Doomed Power" });
        }
        finally
        {
            await Sql.ExecuteAsync(App, "ALTER TABLE providers_gone RENAME TO providers");
        }
        Assert.Equal(500, (int)failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("providers", await failed.Content.ReadAsStringAsync());

        var entry = Assert.Single(await EntriesAsync("POST /admin/v1/providers/", "/admin/v1/providers"),
            e => e["actor"]!.GetValue<string>() == "ops-audit");
        Assert.Equal(500, entry["status_code"]!.GetValue<int>());
        Assert.Contains("Doomed Power", entry["details"]!.GetValue<string>());
        Assert.DoesNotContain(ops, (await App.AdminGetAsync("/admin/v1/audit-log?limit=1000")).ToJsonString());
    }
}
