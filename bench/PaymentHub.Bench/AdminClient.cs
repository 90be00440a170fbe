using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace PaymentHub.Bench;

/// <summary>What the benchmark created for itself through the admin API.</summary>
public sealed record BenchFixture(
    int ResellerId, string ApiKey, string ApiSecret, int ProviderId, int ServiceId, decimal Funding, decimal DebitPerOrder);

/// <summary>The few admin API calls the benchmark needs (JSON, snake_case, Bearer admin key).</summary>
public sealed class AdminClient(HttpClient http, string adminKey)
{
    /// <summary>The service's fee and commission: each order debits amount + Fee - Commission from the wallet.</summary>
    public const decimal Fee = 1.00m;
    public const decimal Commission = 0.25m;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        using var response = await http.GetAsync("health", ct);
        return response.IsSuccessStatusCode;
    }

    public async Task<BenchFixture> SetUpAsync(BenchOptions options, CancellationToken ct)
    {
        var tag = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var reseller = await PostAsync("admin/v1/resellers", new { name = $"bench reseller {tag}" }, ct);
        var resellerId = reseller.GetProperty("id").GetInt32();

        var credentials = await PostAsync($"admin/v1/resellers/{resellerId}/api-keys", new { }, ct);
        var apiKey = credentials.GetProperty("api_key").GetString() ?? throw new BenchSetupException("No api_key in the reply.");
        var apiSecret = credentials.GetProperty("api_secret").GetString() ?? throw new BenchSetupException("No api_secret in the reply.");

        var provider = await PostAsync("admin/v1/providers", new { name = $"Bench Power {tag}", logo = "" }, ct);
        var providerId = provider.GetProperty("id").GetInt32();

        var service = await PostAsync($"admin/v1/providers/{providerId}/services", new
        {
            name = "Bench prepaid meter",
            logo = "",
            module_fields = new[] { "meter_number" },
            min_amount = 10.00m,
            max_amount = 50_000.00m,
            fee = Fee,
            commission = Commission,
            // Manual orders wait for an operator: no fulfilment work runs, so the wallet outcome is exact.
            connector = "manual",
        }, ct);
        var serviceId = service.GetProperty("id").GetInt32();

        // Enough for every submit, plus a margin so the last ones never meet "Insufficient balance".
        var debitPerOrder = options.Amount + Fee - Commission;
        var funding = debitPerOrder * options.Requests + 100.00m;
        await PostAsync($"admin/v1/resellers/{resellerId}/wallet/credits",
            new { amount = funding, note = $"PaymentHub.Bench funding {tag}" }, ct);

        return new BenchFixture(resellerId, apiKey, apiSecret, providerId, serviceId, funding, debitPerOrder);
    }

    public async Task<decimal> GetBalanceAsync(int resellerId, CancellationToken ct)
    {
        var reseller = await GetAsync($"admin/v1/resellers/{resellerId}", ct);
        return reseller.GetProperty("balance").GetDecimal();
    }

    public Task<JsonElement> CheckLedgerAsync(CancellationToken ct) => GetAsync("admin/v1/ledger/check", ct);

    /// <summary>
    /// Hides what the run created from real resellers: provider and service inactive, reseller suspended.
    /// Its orders stay Processing in the manual queue (filter by reseller_id); nothing is deleted.
    /// </summary>
    public async Task RetireAsync(BenchFixture fixture, CancellationToken ct)
    {
        await PatchAsync($"admin/v1/services/{fixture.ServiceId}", new { status = "inactive" }, ct);
        await PatchAsync($"admin/v1/providers/{fixture.ProviderId}", new { status = "inactive" }, ct);
        await PatchAsync($"admin/v1/resellers/{fixture.ResellerId}", new { status = "suspended" }, ct);
    }

    public async Task<JsonElement> PostAsync(string path, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };
        return await SendAsync(request, ct);
    }

    public async Task<JsonElement> PatchAsync(string path, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, path) { Content = JsonContent.Create(body, options: Json) };
        return await SendAsync(request, ct);
    }

    public async Task<JsonElement> GetAsync(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync(request, ct);
    }

    private async Task<JsonElement> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new BenchSetupException(
                $"{request.Method} /{request.RequestUri} answered {(int)response.StatusCode}: {Shorten(text)}");
        }
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

public sealed class BenchSetupException(string message) : Exception(message);
