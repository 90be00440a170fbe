using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Connectors.Iak;

[RunsLong(37)]
public sealed class IakCrashTests
{
    private const string AdminKey = "crash-test-admin-key-0123456789abcdef";

    [Fact]
    public async Task A_gateway_killed_during_the_payment_call_resolves_the_order_by_checkstatus_after_restart()
    {
        await using var iak = await WireMockScope.StartAsync("sigkill");
        await iak.StubAsync("Stubs/Iak", "inquiry-success", "pay-delayed", "checkstatus-success");
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("iak_sigkill");
        var settings = new Dictionary<string, string>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:PaymentHub"] = database,
            ["Admin:BootstrapKey"] = AdminKey,
            ["Connectors:Iak:BaseUrl"] = iak.BaseUrl,
            ["Connectors:Iak:Username"] = IakHarness.Username,
            ["Connectors:Iak:ApiKey"] = IakHarness.ApiKey,
            ["Connectors:Iak:TimeoutSeconds"] = "30",
            ["Connectors:Iak:AttemptTimeoutSeconds"] = "30",
            ["Connectors:Iak:PendingRetrySeconds"] = "0.2",
            ["Fulfilment:PollIntervalMs"] = "100",
            // Short enough that the restarted instance can take the dead one's lease quickly, longer than the pay call.
            ["Fulfilment:LeaseSeconds"] = "8",
            ["Orders:NumberPrefix"] = "TST-",
        };

        string orderNumber;
        int resellerId;
        await using (var first = await GatewayProcess.StartAsync(settings))
        {
            using var admin = Admin(first);
            var provider = await PostAsync(admin, "/admin/v1/providers", new { name = "PLN" });
            var service = await PostAsync(admin, $"/admin/v1/providers/{provider["id"]}/services", new
            {
                name = "PLN Postpaid", module_fields = new[] { "meter_number" }, min_amount = 10m, max_amount = 1_000_000m, fee = 0m, commission = 0m,
                connector = "iak", connector_product_code = "PLNPOSTPAID",
            });
            var reseller = await PostAsync(admin, "/admin/v1/resellers", new { name = "Crash Shop" });
            resellerId = reseller["id"]!.GetValue<int>();
            var key = await PostAsync(admin, $"/admin/v1/resellers/{resellerId}/api-keys", new { });
            await PostAsync(admin, $"/admin/v1/resellers/{resellerId}/wallet/credits", new { amount = 500_000m });

            using var http = new HttpClient { BaseAddress = new Uri(first.BaseUrl) };
            var submit = await http.PostAsync("/api/bill-payment.php?action=submit", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["api_key"] = key["api_key"]!.GetValue<string>(), ["api_secret"] = key["api_secret"]!.GetValue<string>(),
                ["provider_id"] = provider["id"]!.ToString(), ["service_id"] = service["id"]!.ToString(), ["amount"] = "302500",
                ["meter_number"] = "530000000001",
            }));
            orderNumber = JsonNode.Parse(await submit.Content.ReadAsStringAsync())!["order_number"]!.GetValue<string>();

            // The "paying" checkpoint is committed just before pay-pasca goes out; IAK's reply takes 4 s. Kill inside that window.
            await WaitUntilAsync(async () => await StageAsync(database, orderNumber) == "Paying", first);
            await Task.Delay(500);
            await first.KillAsync();
        }
        Assert.Equal(("Processing", "Paying"), (await StatusAsync(database, orderNumber), await StageAsync(database, orderNumber)));
        Assert.Equal(1, await iak.CountAsync(IakHarness.CheckPath, "\"commands\":\"pay-pasca\""));

        await using (var second = await GatewayProcess.StartAsync(settings))
        {
            await WaitUntilAsync(async () => await StatusAsync(database, orderNumber) != "Processing", second, seconds: 60);
            Assert.Equal("Success", await StatusAsync(database, orderNumber));
            using var admin = Admin(second);
            var check = await admin.GetFromJsonAsync<JsonNode>("/admin/v1/ledger/check");
            Assert.True(check!["ok"]!.GetValue<bool>(), check.ToJsonString());
            var balance = (await admin.GetFromJsonAsync<JsonNode>($"/admin/v1/resellers/{resellerId}"))!["balance"]!.GetValue<decimal>();
            Assert.Equal(500_000m - 302_500m, balance);
        }

        // Exactly one payment ever reached IAK; the restarted instance only asked.
        Assert.Equal(1, await iak.CountAsync(IakHarness.CheckPath, "\"commands\":\"pay-pasca\""));
        Assert.Equal(1, await iak.CountAsync(IakHarness.CheckPath, "\"commands\":\"inq-pasca\""));
        Assert.True(await iak.CountAsync(IakHarness.CheckPath, "\"commands\":\"checkstatus\"") >= 1);
    }

    [Fact]
    public async Task Orders_unresolved_past_the_flag_age_are_flagged_for_the_operator_and_not_refunded()
    {
        await using var t = await IakHarness.StartAsync("flagged", new Dictionary<string, string?> { ["Fulfilment:FlagAfterMinutes"] = "0" },
            "inquiry-success", "pay-rc39", "checkstatus-pending");
        var orderNumber = await t.SubmitAsync();
        JsonNode? flagged = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (flagged is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            flagged = (await t.App.AdminGetAsync("/admin/v1/orders?flagged=true")).AsArray()
                .FirstOrDefault(o => o!["order_number"]!.GetValue<string>() == orderNumber);
        }
        Assert.NotNull(flagged);
        Assert.Equal("Processing", flagged["status"]!.GetValue<string>());
        Assert.Contains("Unresolved after 0 minutes", flagged["flag_reason"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.PaymentsAsync());
    }

    private static HttpClient Admin(GatewayProcess gateway)
    {
        var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    private static async Task<JsonNode> PostAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, GatewayProcess gateway, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out. Gateway output:\n{gateway.Output}");
            await Task.Delay(50);
        }
    }

    private static Task<string?> StageAsync(string database, string orderNumber) => ScalarAsync(database, "stage", orderNumber);

    private static Task<string?> StatusAsync(string database, string orderNumber) => ScalarAsync(database, "status", orderNumber);

    private static async Task<string?> ScalarAsync(string database, string column, string orderNumber)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT {column} FROM bill_orders WHERE order_number = @o", connection);
        command.Parameters.AddWithValue("o", orderNumber);
        return await command.ExecuteScalarAsync() as string;
    }
}
