using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PaymentHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentHub.Tests.Swagger;

/// <summary>The reseller API as Swagger documents it: one entry per action with its form fields and replies, usable from Swagger UI.</summary>
[RunsLong(35)]
public sealed class ResellerSwaggerTests(ITestOutputHelper output)
{
    private const string FormType = "application/x-www-form-urlencoded";

    private static readonly Dictionary<string, string[]> RequiredFields = new()
    {
        ["/api/bill-payment.php?action=provider_check"] = ["api_key", "api_secret"],
        ["/api/bill-payment.php?action=service_check"] = ["api_key", "api_secret", "provider_id"],
        ["/api/bill-payment.php?action=submit"] = ["api_key", "api_secret", "provider_id", "service_id", "amount"],
        ["/api/bill-payment.php?action=status_check"] = ["api_key", "api_secret", "order_number"],
        ["/api/bill-payment.php?action=bill_inquiry"] = ["api_key", "api_secret", "provider_id", "service_id"],
        ["/api/mobile-recharge.php"] = ["api_key", "api_secret", "phone", "amount", "operator"],
        ["/api/mobile-recharge.php?action=status_check"] = ["api_key", "api_secret"],
        ["/api/wallet.php?action=balance"] = ["api_key", "api_secret"],
        ["/api/wallet.php?action=add_fund"] = ["api_key", "api_secret", "amount", "gateway"],
        ["/api/wallet.php?action=topup_status"] = ["api_key", "api_secret", "topup_id"],
        ["/api/wallet.php?action=statement"] = ["api_key", "api_secret", "from", "to"],
        ["/api/callbacks.php?action=callback_create"] = ["api_key", "api_secret", "url", "events"],
        ["/api/callbacks.php?action=callback_list"] = ["api_key", "api_secret"],
        ["/api/callbacks.php?action=callback_rotate"] = ["api_key", "api_secret", "callback_id"],
        ["/api/callbacks.php?action=callback_delete"] = ["api_key", "api_secret", "callback_id"],
        ["/api/callbacks.php?action=callback_enable"] = ["api_key", "api_secret", "callback_id"],
        ["/api/callbacks.php?action=callback_deliveries"] = ["api_key", "api_secret", "callback_id"],
        ["/api/callbacks.php?action=callback_redeliver"] = ["api_key", "api_secret", "callback_id"],
    };

    [Fact]
    public async Task Swagger_json_documents_each_reseller_action_with_its_form_fields_and_puts_bearer_on_admin_operations_only()
    {
        await using var app = await PaymentHubApp.StartAsync("swagger_document");
        using var client = app.CreateClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        var paths = document["paths"]!.AsObject();

        Assert.Null(document["security"]);
        // Every action its own operation, callbacks.php's included: no endpoint is left as a single undocumented form.
        Assert.False(paths.ContainsKey("/api/callbacks.php"));
        var resellerPaths = paths.Where(p => p.Key.StartsWith("/api/", StringComparison.Ordinal)).Select(p => p.Key).Order().ToList();
        Assert.Equal(RequiredFields.Keys.Order().ToList(), resellerPaths);
        foreach (var (path, required) in RequiredFields)
        {
            var post = paths[path]!["post"]!;
            var schema = post["requestBody"]!["content"]![FormType]!["schema"]!;
            var properties = schema["properties"]!.AsObject().Select(p => p.Key).ToList();
            Assert.Equal(["api_key", "api_secret"], properties.Take(2));
            Assert.All(required, field => Assert.Contains(field, properties));
            Assert.Equal(required.Order(), schema["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order());
            Assert.Null(post["security"]);
            Assert.Null(post["parameters"]);
            var responses = post["responses"]!.AsObject();
            Assert.NotNull(responses["200"]);
            var unauthorized = responses["401"]!["content"]!["application/json"]!["examples"]!.AsObject().Single().Value!;
            Assert.Equal("Invalid API credentials.", unauthorized["value"]!["error"]!.GetValue<string>());
        }

        var submitErrors = ExampleErrors(paths["/api/bill-payment.php?action=submit"]!);
        Assert.Contains("Missing required module data.", submitErrors);
        Assert.Contains("Insufficient balance.", submitErrors);
        Assert.Contains("Transaction failed", submitErrors);
        var rechargeErrors = ExampleErrors(paths["/api/mobile-recharge.php"]!);
        Assert.Contains("Invalid operator number for this recharge.", rechargeErrors);
        Assert.Contains("Invalid recharge amount.", rechargeErrors);
        Assert.Contains("Transaction failed.", rechargeErrors);
        Assert.Contains("Top-up not found.", ExampleErrors(paths["/api/wallet.php?action=topup_status"]!));
        var createErrors = ExampleErrors(paths["/api/callbacks.php?action=callback_create"]!);
        Assert.Contains("Invalid events.", createErrors);
        Assert.Contains("The url must use https.", createErrors);
        Assert.Contains("Invalid since (use yyyy-MM-dd HH:mm:ss, UTC).", ExampleErrors(paths["/api/callbacks.php?action=callback_redeliver"]!));
        Assert.Contains("Callback not found.", ExampleErrors(paths["/api/callbacks.php?action=callback_rotate"]!));
        var redeliverFields = paths["/api/callbacks.php?action=callback_redeliver"]!["post"]!["requestBody"]!["content"]![FormType]!["schema"]!["properties"]!
            .AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["api_key", "api_secret", "callback_id", "event_id", "since"], redeliverFields);
        var created = paths["/api/callbacks.php?action=callback_create"]!["post"]!["responses"]!["200"]!["content"]!["application/json"]!["examples"]!
            .AsObject().Single().Value!["value"]!;
        Assert.StartsWith("whsec_", created["callback"]!["signing_secret"]!.GetValue<string>(), StringComparison.Ordinal);

        var adminOperations = paths.Where(p => p.Key.StartsWith("/admin/v1/", StringComparison.Ordinal))
            .SelectMany(p => p.Value!.AsObject().Select(o => o.Value!)).ToList();
        Assert.True(adminOperations.Count > 20, $"Only {adminOperations.Count} admin operations documented.");
        Assert.All(adminOperations, operation =>
            Assert.Equal("""[{"Bearer":[]}]""", operation["security"]!.ToJsonString()));
        Assert.All(paths.Where(p => !p.Key.StartsWith("/admin/v1/", StringComparison.Ordinal)).SelectMany(p => p.Value!.AsObject()),
            operation => Assert.Null(operation.Value!["security"]));
    }

    private static List<string> ExampleErrors(JsonNode pathItem) =>
        pathItem["post"]!["responses"]!.AsObject()
            .SelectMany(r => r.Value!["content"]?["application/json"]?["examples"]?.AsObject().Select(e => e.Value!) ?? [])
            .Select(e => e["value"]?["error"]?.GetValue<string>())
            .OfType<string>()
            .ToList();

    [Fact]
    public async Task A_bill_submit_and_its_status_check_work_from_swagger_ui_in_chromium()
    {
        var clock = new TestClock();
        await using var app = await PaymentHubApp.StartAsync("swagger_try_it_out", services: services => services.AddSingleton<TimeProvider>(clock),
            kestrel: true);
        var shop = await app.CreateResellerAsync(500m, "Swagger Shop");
        var (providerId, serviceId) = await app.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number", provider: "Swagger Power");

        await using var browser = await HeadlessBrowser.LaunchAsync();
        var page = await browser.OpenAsync(new Uri(app.ServerAddress, "/swagger/index.html"));

        var (submitStatus, submitted) = await TryItOutAsync(page, "/api/bill-payment.php?action=submit", new()
        {
            ["api_key"] = shop.ApiKey,
            ["api_secret"] = shop.ApiSecret,
            ["provider_id"] = providerId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["service_id"] = serviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["amount"] = "120.50",
            ["meter_number"] = "123456789",
        });
        await browser.ScreenshotAsync(page, "swagger-reseller-submit", output);
        Assert.Equal(200, submitStatus);
        Assert.True(submitted["success"]!.GetValue<bool>());
        Assert.Equal("Processing", submitted["status"]!.GetValue<string>());
        Assert.Equal("120.50", submitted["amount"]!.GetValue<string>());
        var orderNumber = submitted["order_number"]!.GetValue<string>();
        Assert.Equal(379.50m, await shop.BalanceAsync());

        // The sandbox settles the bill a second later (the clock moved past it), then Swagger UI asks.
        Assert.NotEqual("Processing", (await shop.SettleSandboxBillAsync(clock, orderNumber))["status"]!.GetValue<string>());
        var (statusCode, status) = await TryItOutAsync(page, "/api/bill-payment.php?action=status_check", new()
        {
            ["api_key"] = shop.ApiKey,
            ["api_secret"] = shop.ApiSecret,
            ["order_number"] = orderNumber,
        });
        await browser.ScreenshotAsync(page, "swagger-reseller-status-check", output);
        Assert.Equal(200, statusCode);
        Assert.Equal(orderNumber, status["order_number"]!.GetValue<string>());
        Assert.Equal("Success", status["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(status["token_number"]?.GetValue<string>()));
        Assert.Equal("120.50", status["debit_amount"]!.GetValue<string>());

        // A wrong secret from Swagger UI gets the seed's 401 body and changes nothing.
        var (refusedStatus, refused) = await TryItOutAsync(page, "/api/wallet.php?action=balance", new()
        {
            ["api_key"] = shop.ApiKey,
            ["api_secret"] = "wrong",
        });
        Assert.Equal(401, refusedStatus);
        Assert.Equal("Invalid API credentials.", refused["error"]!.GetValue<string>());
        var (balanceStatus, balance) = await TryItOutAsync(page, "/api/wallet.php?action=balance", new()
        {
            ["api_key"] = shop.ApiKey,
            ["api_secret"] = shop.ApiSecret,
        });
        Assert.Equal(200, balanceStatus);
        Assert.Equal("379.50", balance["balance"]!.GetValue<string>());
        Assert.Equal(379.50m, await shop.BalanceAsync());
        await app.AssertLedgerOkAsync();
    }

    /// <summary>Expands the operation, presses "Try it out", fills the form and presses Execute; returns what the browser received.</summary>
    private static async Task<(int Status, JsonNode Body)> TryItOutAsync(IPage page, string path, Dictionary<string, string> fields)
    {
        var operation = page.Locator(".opblock").Filter(new() { Has = page.Locator($".opblock-summary-path[data-path=\"{path}\"]") });
        if (!await operation.Locator(".opblock-body").IsVisibleAsync())
        {
            await operation.Locator(".opblock-summary").First.ClickAsync();
        }
        // Once in try-out mode the operation shows Cancel and Reset instead of "Try it out".
        var tryItOut = operation.Locator("button.try-out__btn", new() { HasText = "Try it out" });
        if (await tryItOut.CountAsync() > 0)
        {
            await tryItOut.ClickAsync();
        }
        foreach (var (name, value) in fields)
        {
            await operation.Locator($"tr[data-property-name=\"{name}\"] input[type=text]").FillAsync(value);
        }
        var response = await page.RunAndWaitForResponseAsync(
            () => operation.Locator("button.execute").ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.Contains(path, StringComparison.Ordinal));
        var body = JsonNode.Parse(await response.TextAsync())!;
        // Swagger UI shows the same status in its live response table.
        var status = response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await operation.Locator(".live-responses-table .response-col_status", new() { HasText = status }).First.WaitForAsync();
        return (response.Status, body);
    }
}
