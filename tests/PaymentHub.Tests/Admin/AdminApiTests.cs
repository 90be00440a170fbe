using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Admin;

public sealed class AdminApiTests(GatewayFixture fixture) : GatewayTest(fixture, "admin_api"), IClassFixture<GatewayFixture>
{

    [Fact]
    public async Task Admin_calls_need_a_valid_bearer_key_and_get_problem_details()
    {
        using var anonymous = App.CreateClient();
        var none = await anonymous.GetAsync("/admin/v1/resellers");
        Assert.Equal(401, (int)none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-key");
        Assert.Equal(401, (int)(await anonymous.GetAsync("/admin/v1/resellers")).StatusCode);
        Assert.Equal(401, (int)(await anonymous.PostAsJsonAsync("/admin/v1/resellers", new { name = "x" })).StatusCode);
        Assert.Equal(0, await App.WithDbAsync(db => db.Resellers.CountAsync(r => r.Name == "x")));
    }

    [Fact]
    public async Task Created_admin_keys_work_until_revoked_and_are_stored_hashed()
    {
        var created = await App.AdminPostAsync("/admin/v1/admin-keys", new { name = "ops" }, 201);
        var key = created["key"]!.GetValue<string>();
        using var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(200, (int)(await client.GetAsync("/admin/v1/providers")).StatusCode);

        var listed = (await App.AdminGetAsync("/admin/v1/admin-keys")).ToJsonString();
        Assert.DoesNotContain(key, listed);
        Assert.False(await App.WithDbAsync(db => db.AdminKeys.AnyAsync(k => k.KeyPrefix == key)));

        using var admin = App.Admin();
        Assert.Equal(204, (int)(await admin.DeleteAsync($"/admin/v1/admin-keys/{created["id"]}")).StatusCode);
        Assert.Equal(401, (int)(await client.GetAsync("/admin/v1/providers")).StatusCode);
    }

    [Fact]
    public async Task The_api_secret_is_shown_once_and_stored_only_as_a_keyed_hash()
    {
        var shop = await App.CreateResellerAsync(0m, "Secret Shop");
        var listed = (await App.AdminGetAsync($"/admin/v1/resellers/{shop.Id}/api-keys")).ToJsonString();
        Assert.Contains(shop.ApiKey, listed);
        Assert.DoesNotContain(shop.ApiSecret, listed);
        Assert.DoesNotContain(shop.ApiSecret, (await App.AdminGetAsync($"/admin/v1/resellers/{shop.Id}")).ToJsonString());
        var stored = await App.WithDbAsync(db => db.ApiCredentials.SingleAsync(c => c.ApiKey == shop.ApiKey));
        Assert.Equal(32, stored.SecretHash.Length);
        Assert.DoesNotContain(shop.ApiSecret, Encoding.UTF8.GetString(stored.SecretHash));
        Assert.Equal(200, (await shop.BillAsync("provider_check")).Status);
    }

    [Fact]
    public async Task Admin_input_is_validated_with_problem_details()
    {
        using var admin = App.Admin();
        var blank = await admin.PostAsJsonAsync("/admin/v1/resellers", new { name = "" });
        Assert.Equal(400, (int)blank.StatusCode);
        Assert.Contains("name", (await blank.Content.ReadAsStringAsync()).ToLowerInvariant());

        var malformed = await admin.PostAsync("/admin/v1/resellers", new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)malformed.StatusCode);
        Assert.DoesNotContain("   at ", await malformed.Content.ReadAsStringAsync());

        var p = await App.AdminPostAsync("/admin/v1/providers", new { name = "Validation Power" }, 201);
        var badService = await admin.PostAsJsonAsync($"/admin/v1/providers/{p["id"]}/services", new
        {
            name = "Bad", module_fields = new[] { "api_secret" }, min_amount = 10, max_amount = 5, fee = 0, commission = 0, connector = "nowhere",
        });
        Assert.Equal(400, (int)badService.StatusCode);
        var unknownConnector = await admin.PostAsJsonAsync($"/admin/v1/providers/{p["id"]}/services", new
        {
            name = "Bad", module_fields = new[] { "meter_number" }, min_amount = 10, max_amount = 50, fee = 0, commission = 0, connector = "nowhere",
        });
        Assert.Equal(400, (int)unknownConnector.StatusCode);
        Assert.Contains("sandbox", await unknownConnector.Content.ReadAsStringAsync());
        Assert.Equal(404, (int)(await admin.GetAsync("/admin/v1/resellers/987654")).StatusCode);
    }

    [Fact]
    public async Task Every_admin_action_is_in_the_audit_log()
    {
        var shop = await App.CreateResellerAsync(75m, "Audited Shop");
        var log = (await App.AdminGetAsync("/admin/v1/audit-log?limit=50")).AsArray();
        var actions = log.Select(e => e!["action"]!.GetValue<string>()).ToList();
        Assert.Contains("POST /admin/v1/resellers/", actions);
        Assert.Contains("POST /admin/v1/resellers/{id:int}/api-keys", actions);
        var credit = log.First(e => e!["action"]!.GetValue<string>() == "POST /admin/v1/resellers/{id:int}/wallet/credits"
                                    && e["target"]!.GetValue<string>() == $"/admin/v1/resellers/{shop.Id}/wallet/credits")!;
        Assert.Equal("bootstrap", credit["actor"]!.GetValue<string>());
        Assert.Equal(200, credit["status_code"]!.GetValue<int>());
        Assert.Contains("75", credit["details"]!.GetValue<string>());
        Assert.DoesNotContain(log, e => e!.ToJsonString().Contains(shop.ApiSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Swagger_documents_the_admin_api_with_a_bearer_scheme()
    {
        using var client = App.CreateClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        Assert.Equal("bearer", document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/admin/v1/orders/{orderNumber}/cancel", paths);
        Assert.Contains("/admin/v1/ledger/check", paths);
        Assert.Contains("/api/bill-payment.php?action=submit", paths);
        Assert.Equal(200, (int)(await client.GetAsync("/swagger/index.html")).StatusCode);
    }

    [Fact]
    public async Task Secrets_never_reach_the_log_and_each_request_is_one_structured_line()
    {
        // The class's tests share the gateway: this one reads only the lines its own requests wrote.
        var logFrom = App.LogLength;
        var shop = await App.CreateResellerAsync(500m, "Logged Shop");
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number", provider: "Logged Power");
        var (submitStatus, submitted) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "20"), ("meter_number", "1"));
        Assert.Equal(200, submitStatus);
        var orderNumber = submitted["order_number"]!.GetValue<string>();
        // The submit and one status_check, once the sandbox has settled the bill.
        var order = await shop.SettleSandboxBillAsync(Clock, orderNumber);
        const int requests = 2;
        Assert.Equal("Success", order["status"]!.GetValue<string>());
        var token = order["token_number"]!.GetValue<string>();
        Assert.Equal(24, token.Length);

        var (refusedStatus, _) = await (shop with { ApiSecret = "phs_wrong-secret-attempt" }).BillAsync("provider_check");
        Assert.Equal(401, refusedStatus);
        var newAdminKey = (await App.AdminPostAsync("/admin/v1/admin-keys", new { name = "log-check" }, 201))["key"]!.GetValue<string>();

        // One line per request of this reseller: method, path, action, status, elapsed and the reseller's id.
        var lines = await RequestLogLines.WaitForAsync(App, l => RequestLogLines.ResellerId(l) == shop.Id, requests, logFrom);
        Assert.Equal(requests, lines.Count);
        Assert.All(lines, line =>
        {
            Assert.Equal("POST", line["Method"]!.GetValue<string>());
            Assert.Equal("/api/bill-payment.php", line["Path"]!.GetValue<string>());
            Assert.Equal(200, line["StatusCode"]!.GetValue<int>());
            Assert.InRange(line["ElapsedMs"]!.GetValue<double>(), 0d, 60_000d);
        });
        Assert.Equal(["submit", .. Enumerable.Repeat("status_check", requests - 1)], lines.Select(l => l["Action"]!.GetValue<string>()));
        var refused = Assert.Single(await RequestLogLines.WaitForAsync(App,
            l => l["StatusCode"]!.GetValue<int>() == 401 && l["Path"]!.GetValue<string>() == "/api/bill-payment.php", since: logFrom));
        Assert.Null(RequestLogLines.ResellerId(refused));
        Assert.Equal("provider_check", refused["Action"]!.GetValue<string>());
        var keyLine = Assert.Single(await RequestLogLines.WaitForAsync(App,
            l => l["Path"]!.GetValue<string>() == "/admin/v1/admin-keys" && l["Method"]!.GetValue<string>() == "POST", since: logFrom));
        Assert.Equal(201, keyLine["StatusCode"]!.GetValue<int>());
        Assert.Equal("bootstrap", keyLine["Admin"]!.GetValue<string>());

        var log = App.ReadLog();
        foreach (var secret in new[] { shop.ApiSecret, "phs_wrong-secret-attempt", PaymentHubApp.AdminKey, newAdminKey, token })
        {
            Assert.DoesNotContain(secret, log);
        }
    }
}
