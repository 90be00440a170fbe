using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Hostile;

/// <summary>
/// Swagger is off in Production unless Swagger:Enabled=true, and every response (APIs, Swagger, health, payment pages,
/// errors and 404s) carries nosniff, DENY framing and no referrer; the payment pages keep their own CSP.
/// </summary>
public sealed class ProductionHardeningTests
{
    private static readonly string[] SwaggerPaths = ["/swagger/index.html", "/swagger/v1/swagger.json"];

    [Fact]
    public async Task Production_hides_swagger_by_default()
    {
        await using var app = await PaymentHubApp.StartAsync("prod_no_swagger", new Dictionary<string, string?> { ["environment"] = "Production" });
        using var client = app.CreateClient();
        foreach (var path in SwaggerPaths.Append("/"))
        {
            using var response = await client.GetAsync(path);
            Assert.True(404 == (int)response.StatusCode, $"{path}: {(int)response.StatusCode}");
            SecurityHeaders.Assert(response, path);
        }
        // The APIs themselves are there.
        using var health = await client.GetAsync("/health");
        Assert.Equal(200, (int)health.StatusCode);
        await app.AssertLedgerOkAsync();
    }

    [Fact]
    public async Task Production_publishes_swagger_when_enabled()
    {
        await using var app = await PaymentHubApp.StartAsync("prod_swagger",
            new Dictionary<string, string?> { ["environment"] = "Production", ["Swagger:Enabled"] = "true" });
        using var client = app.CreateClient();
        foreach (var path in SwaggerPaths)
        {
            using var response = await client.GetAsync(path);
            Assert.True(200 == (int)response.StatusCode, $"{path}: {(int)response.StatusCode}");
            SecurityHeaders.Assert(response, path);
        }
    }

    [Fact]
    public async Task Every_kind_of_response_carries_the_security_headers()
    {
        await using var app = await PaymentHubApp.StartAsync("security_headers", new Dictionary<string, string?> { ["RateLimits:ResellerRequestsPerMinute"] = "3" });
        var shop = await app.CreateResellerAsync(0m);
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var admin = app.Admin();

        // The payment pages share the reseller API's rate limit (3 a minute here): this is the first of the four calls.
        using var page = await client.GetAsync("/payments/shurjopay/return?order_id=sp-none");
        Assert.Equal(404, (int)page.StatusCode);
        SecurityHeaders.Assert(page, "payment page");
        Assert.Equal("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            page.Headers.GetValues("Content-Security-Policy").Single());

        async Task Check(HttpClient c, HttpMethod method, string path, int status, HttpContent? content = null)
        {
            using var request = new HttpRequestMessage(method, path) { Content = content };
            using var response = await c.SendAsync(request);
            var said = $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            Assert.True(status == (int)response.StatusCode, said);
            SecurityHeaders.Assert(response, said);
        }

        await Check(client, HttpMethod.Get, "/health", 200);
        await Check(client, HttpMethod.Get, "/swagger/v1/swagger.json", 200);
        await Check(client, HttpMethod.Get, "/swagger/index.html", 200);
        await Check(client, HttpMethod.Get, "/", 302);
        await Check(admin, HttpMethod.Get, "/admin/v1/resellers", 200);
        await Check(client, HttpMethod.Get, "/admin/v1/resellers", 401);
        await Check(admin, HttpMethod.Get, "/admin/v1/nothing", 404);
        await Check(admin, HttpMethod.Post, "/admin/v1/resellers", 400, new StringContent("{", Encoding.UTF8, "application/json"));
        await Check(client, HttpMethod.Get, "/nothing-at-all", 404);
        await Check(admin, HttpMethod.Delete, "/admin/v1/resellers", 405);
        await Check(client, HttpMethod.Post, "/api/wallet.php?action=balance", 200, new FormUrlEncodedContent(
            [new("api_key", shop.ApiKey), new("api_secret", shop.ApiSecret)]));
        await Check(client, HttpMethod.Post, "/api/wallet.php?action=balance", 401, new FormUrlEncodedContent([new("api_key", "x"), new("api_secret", "y")]));
        // The fourth call within the minute: the rate limiter's own 429.
        await Check(client, HttpMethod.Post, "/api/wallet.php?action=balance", 429, new FormUrlEncodedContent([new("api_key", "x"), new("api_secret", "y")]));
        await app.AssertLedgerOkAsync();
    }
}

/// <summary>
/// Failed admin authentication is counted per client address: the address that keeps sending bad keys gets 429
/// ProblemDetails with Retry-After (even with a good key, until its window ends); other addresses go on as before.
/// Real TCP from distinct loopback addresses (127.0.0.2, 127.0.0.3), so the gateway sees real remote addresses.
/// </summary>
public sealed class AdminAuthThrottleTests
{
    private static HttpClient ClientFrom(PaymentHubApp app, string sourceAddress, string key)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream,
                    System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(sourceAddress), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = app.ServerAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task Repeated_bad_keys_from_one_address_get_429_without_locking_out_other_addresses()
    {
        // A window far longer than the test takes on a loaded machine; the test moves the gateway's clock past it.
        var clock = new TestClock();
        await using var app = await PaymentHubApp.StartAsync("admin_throttle", new Dictionary<string, string?>
        {
            ["RateLimits:AdminAuthFailuresPerWindow"] = "3",
            ["RateLimits:AdminAuthWindowSeconds"] = "60",
        }, services => services.AddSingleton<TimeProvider>(clock), kestrel: true);
        using var attackerBad = ClientFrom(app, "127.0.0.2", "pha_guess");
        using var attackerGood = ClientFrom(app, "127.0.0.2", PaymentHubApp.AdminKey);
        using var neighbourBad = ClientFrom(app, "127.0.0.3", "pha_typo");
        using var neighbourGood = ClientFrom(app, "127.0.0.3", PaymentHubApp.AdminKey);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(401, (int)(await attackerBad.GetAsync("/admin/v1/resellers")).StatusCode);
        }
        using var throttled = await attackerBad.GetAsync("/admin/v1/resellers");
        Assert.Equal(429, (int)throttled.StatusCode);
        Assert.Equal("application/problem+json", throttled.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.Nodes.JsonNode.Parse(await throttled.Content.ReadAsStringAsync())!;
        Assert.Equal("Too many failed authentication attempts", problem["title"]!.GetValue<string>());
        Assert.Equal(429, problem["status"]!.GetValue<int>());
        var retryAfter = throttled.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After: {throttled.Headers.RetryAfter}");
        SecurityHeaders.Assert(throttled, "429");
        // Blocked means blocked: the right key from that address waits too, and nothing is created.
        using var createWhileBlocked = await attackerGood.PostAsync("/admin/v1/resellers",
            new StringContent("""{"name":"Blocked"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(429, (int)createWhileBlocked.StatusCode);

        // Another address: its own bad key is an ordinary 401, its good key works, during the block.
        Assert.Equal(401, (int)(await neighbourBad.GetAsync("/admin/v1/resellers")).StatusCode);
        Assert.Equal(200, (int)(await neighbourGood.GetAsync("/admin/v1/resellers")).StatusCode);

        // The block ends with its window.
        clock.Advance(retryAfter!.Value + TimeSpan.FromSeconds(1));
        Assert.Equal(200, (int)(await attackerGood.GetAsync("/admin/v1/resellers")).StatusCode);
        Assert.Equal(0, await app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Resellers)));
        var warning = app.ReadLog().Split('\n').Single(l => l.Contains("failed to authenticate", StringComparison.Ordinal));
        Assert.Contains("\"Level\":\"Warning\"", warning);
        Assert.Contains("127.0.0.2", warning);
        Assert.DoesNotContain("pha_guess", app.ReadLog());
    }

    [Fact]
    public async Task Missing_keys_and_reseller_calls_are_not_counted_as_failed_admin_authentication()
    {
        await using var app = await PaymentHubApp.StartAsync("admin_throttle_scope", new Dictionary<string, string?>
        {
            ["RateLimits:AdminAuthFailuresPerWindow"] = "2",
        }, kestrel: true);
        using var anonymous = ClientFrom(app, "127.0.0.4", "x");
        anonymous.DefaultRequestHeaders.Authorization = null;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(401, (int)(await anonymous.GetAsync("/admin/v1/resellers")).StatusCode);
        }
        using var bearerOnReseller = ClientFrom(app, "127.0.0.4", "pha_wrong");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(401, (int)(await bearerOnReseller.PostAsync("/api/wallet.php?action=balance",
                new FormUrlEncodedContent([new("api_key", "k"), new("api_secret", "s")]))).StatusCode);
        }
        using var good = ClientFrom(app, "127.0.0.4", PaymentHubApp.AdminKey);
        Assert.Equal(200, (int)(await good.GetAsync("/admin/v1/resellers")).StatusCode);
    }
}
