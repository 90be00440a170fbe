using Xunit.Abstractions;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>The gateway on a real loopback port, opened in headless Chromium: what a person sees, as a screenshot.</summary>
[RunsLong(40)]
public sealed class HeadlessBrowserTests(ITestOutputHelper output)
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Swagger_ui_renders_in_chromium_and_is_saved_as_a_png()
    {
        await using var app = await PaymentHubApp.StartAsync("headless_browser", kestrel: true);
        Assert.Equal("127.0.0.1", app.ServerAddress.Host);
        Assert.NotEqual(0, app.ServerAddress.Port);

        // The app's own HttpClient goes over the same real port.
        using (var client = app.CreateClient())
        {
            Assert.Equal(app.ServerAddress, client.BaseAddress);
            using var health = await client.GetAsync("/health");
            Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        }

        await using var browser = await HeadlessBrowser.LaunchAsync();
        var page = await browser.OpenAsync(new Uri(app.ServerAddress, "/swagger/index.html"));

        Assert.Contains("PaymentHub", await page.TitleAsync(), StringComparison.Ordinal);
        // Swagger UI renders the document's info title once it has fetched swagger.json.
        var title = page.Locator(".information-container .title");
        await title.WaitForAsync();
        Assert.Contains("PaymentHub", await title.InnerTextAsync(), StringComparison.Ordinal);

        // The Authorize button takes the admin key as a bearer token; the admin endpoints are listed with their padlock.
        var authorize = page.Locator("button.authorize");
        await authorize.WaitForAsync();
        await authorize.ClickAsync();
        var dialog = page.Locator(".modal-ux");
        await dialog.WaitForAsync();
        Assert.Contains("Bearer", await dialog.InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        await dialog.Locator("input").First.FillAsync(PaymentHubApp.AdminKey);
        await dialog.Locator("button.modal-btn.auth").First.ClickAsync();
        Assert.Contains("Logout", await dialog.InnerTextAsync(), StringComparison.Ordinal);
        await browser.ScreenshotAsync(page, "swagger-ui-authorized", output);
        await dialog.Locator("button.btn-done").ClickAsync();
        Assert.True(await page.Locator("span.opblock-summary-path", new() { HasText = "/admin/v1/ledger/check" }).CountAsync() > 0,
            "The ledger check is not listed in Swagger UI.");

        var path = await browser.ScreenshotAsync(page, "swagger-ui", output);
        Assert.True(File.Exists(path), $"No screenshot at {path}");
        var bytes = await File.ReadAllBytesAsync(path);
        Assert.True(bytes.Length > PngSignature.Length, $"Screenshot {path} is empty");
        Assert.Equal(PngSignature, bytes[..PngSignature.Length]);

        await app.AssertLedgerOkAsync();
    }
}
