using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaymentHub.Tests.Infrastructure;
using PaymentHub.Webhooks;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace PaymentHub.Tests.Webhooks;

/// <summary>
/// A gateway whose webhook sender is driven by the test (RunOnceAsync, a FakeTimeProvider), a WireMock receiver, and
/// helpers to register endpoints and check what the receiver got.
/// </summary>
public static class WebhookHarness
{
    public static Dictionary<string, string?> Settings(bool allowLocal = true, int timeoutSeconds = 2) => new()
    {
        ["Webhooks:SenderEnabled"] = "false",
        ["Webhooks:AllowLocalEndpoints"] = allowLocal ? "true" : "false",
        ["Webhooks:AttemptTimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Fulfilment:Enabled"] = "false",
    };

    public static FakeTimeProvider NewClock() => new(DateTimeOffset.UtcNow);

    public static Task<PaymentHubApp> StartAsync(string name, FakeTimeProvider clock, bool allowLocal = true, string? sharedDatabase = null,
        int timeoutSeconds = 2) =>
        PaymentHubApp.StartAsync(name, Settings(allowLocal, timeoutSeconds), services => services.AddSingleton<TimeProvider>(clock), sharedDatabase);

    public static Task<int> RunSenderAsync(this PaymentHubApp app) =>
        app.Services.GetRequiredService<WebhookSender>().RunOnceAsync(CancellationToken.None);

    /// <summary>Runs the sender until a pass finds nothing due.</summary>
    public static async Task DrainAsync(this PaymentHubApp app)
    {
        for (var i = 0; i < 50 && await app.RunSenderAsync() > 0; i++)
        {
        }
    }

    public static async Task<(long Id, string Secret)> CreateEndpointAsync(this PaymentHubApp app, int resellerId, string url, params string[] events)
    {
        var reply = await app.AdminPostAsync($"/admin/v1/resellers/{resellerId}/webhooks", new { url, events }, 201);
        return (reply["id"]!.GetValue<long>(), reply["signing_secret"]!.GetValue<string>());
    }

    public static async Task<JsonArray> DeliveriesAsync(this PaymentHubApp app, long endpointId) =>
        (await app.AdminGetAsync($"/admin/v1/webhooks/{endpointId}/deliveries")).AsArray();

    public static Task CreditAsync(this PaymentHubApp app, int resellerId, decimal amount) =>
        app.AdminPostAsync($"/admin/v1/resellers/{resellerId}/wallet/credits", new { amount, note = "webhook test" });

    /// <summary>Answers every POST to /{prefix}/hook with <paramref name="status"/> (the last stub added wins).</summary>
    public static void Answer(this WireMockScope receiver, int status, string body = "ok", int delayMs = 0, string? location = null)
    {
        var response = Response.Create().WithStatusCode(status).WithBody(body);
        if (delayMs > 0)
        {
            response = response.WithWireDelay(delayMs);
        }
        if (location is not null)
        {
            response = response.WithHeader("Location", location);
        }
        receiver.Given(Request.Create().UsingPost().WithPath($"/{receiver.Prefix}/hook")).RespondWith(response);
    }

    public static string HookUrl(this WireMockScope receiver) => $"{receiver.BaseUrl}/hook";

    public static IReadOnlyList<UpstreamRequest> Hooks(this WireMockScope receiver) =>
        receiver.Requests.Where(r => r.Path == $"/{receiver.Prefix}/hook").ToList();

    /// <summary>The v1 signatures of a PaymentHub-Signature header and its timestamp, as a receiver parses them.</summary>
    public static (long Timestamp, List<string> Signatures) ParseSignature(string header)
    {
        long timestamp = 0;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var (key, value) = (part[..part.IndexOf('=')], part[(part.IndexOf('=') + 1)..]);
            if (key == "t")
            {
                timestamp = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (key == "v1")
            {
                signatures.Add(value);
            }
        }
        return (timestamp, signatures);
    }

    /// <summary>A receiver's own check, written from the README's recipe, not from the gateway's code.</summary>
    public static bool Verifies(UpstreamRequest request, string secret)
    {
        var (timestamp, signatures) = ParseSignature(request.Header("PaymentHub-Signature")!);
        var expected = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{request.Body}")))
            .ToLowerInvariant();
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(expected)));
    }
}

/// <summary>
/// One webhook gateway for all the tests of a class: declare a sealed subclass naming its database and take it as the class
/// fixture. A class whose tests count the sender's deliveries across the database, or move the shared clock, keeps a
/// gateway per test instead.
/// </summary>
public abstract class WebhookGateway(string name, bool allowLocal = true) : AppFixture
{
    public FakeTimeProvider Clock { get; } = WebhookHarness.NewClock();

    protected override Task<PaymentHubApp> StartAsync() => WebhookHarness.StartAsync(name, Clock, allowLocal);
}
