using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Resellers;

public sealed record ApiKey(int Id, string Key, string Secret);

public sealed record ApiCall(int Status, string Body, string? RetryAfter);

/// <summary>Admin calls on API keys and a cheap authenticated reseller call (wallet balance) that shows the status, body and Retry-After.</summary>
public static class ApiKeyCalls
{
    public const string InvalidCredentials = """{"error":"Invalid API credentials."}""";
    public const string TooManyRequests = """{"error":"Too many requests."}""";

    /// <summary>The messages of a validation ProblemDetails.</summary>
    public static IReadOnlyList<string> Errors(JsonNode problem) =>
        [.. problem["errors"]!.AsObject().SelectMany(e => e.Value!.AsArray()).Select(m => m!.GetValue<string>())];

    public static async Task<int> CreateResellerAsync(this PaymentHubApp app, string name) =>
        (await app.AdminPostAsync("/admin/v1/resellers", new { name }, 201))["id"]!.GetValue<int>();

    public static async Task<ApiKey> CreateKeyAsync(this PaymentHubApp app, int resellerId, object? body = null)
    {
        var reply = await app.AdminPostAsync($"/admin/v1/resellers/{resellerId}/api-keys", body ?? new { }, 201);
        return new ApiKey(reply["id"]!.GetValue<int>(), reply["api_key"]!.GetValue<string>(), reply["api_secret"]!.GetValue<string>());
    }

    public static async Task<JsonNode> PatchKeyAsync(this PaymentHubApp app, int resellerId, int keyId, object body, int expectedStatus = 200)
    {
        using var admin = app.Admin();
        return await PaymentHubApp.ReadAsync(await admin.PatchAsJsonAsync($"/admin/v1/resellers/{resellerId}/api-keys/{keyId}", body), expectedStatus);
    }

    public static async Task SetStatusAsync(this PaymentHubApp app, int resellerId, string status)
    {
        using var admin = app.Admin();
        await PaymentHubApp.ReadAsync(await admin.PatchAsJsonAsync($"/admin/v1/resellers/{resellerId}", new { status }), 200);
    }

    public static async Task RevokeKeyAsync(this PaymentHubApp app, int resellerId, int keyId)
    {
        using var admin = app.Admin();
        using var response = await admin.DeleteAsync($"/admin/v1/resellers/{resellerId}/api-keys/{keyId}");
        Assert.Equal(204, (int)response.StatusCode);
    }

    public static Task<ApiCall> BalanceAsync(this PaymentHubApp app, ApiKey key, string? forwardedFor = null) =>
        app.BalanceAsync(key.Key, key.Secret, forwardedFor);

    public static async Task<ApiCall> BalanceAsync(this PaymentHubApp app, string apiKey, string apiSecret, string? forwardedFor = null)
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/wallet.php?action=balance")
        {
            Content = new FormUrlEncodedContent([new("api_key", apiKey), new("api_secret", apiSecret)]),
        };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        using var response = await client.SendAsync(request);
        return new ApiCall((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.ToString());
    }
}
