using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PaymentHub.Bench;

/// <summary>
/// A nurr-compatible recharge hub that answers every <c>POST /api/mobile-recharge.php</c> with a Success after a fixed
/// delay: the upstream of the "slow upstream" step, where the gateway holds hundreds of requests that each wait on it.
/// Kestrel on loopback only; it counts what it answered so the step can show the upstream's side.
/// </summary>
public sealed class SlowUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _answered;

    private SlowUpstream(WebApplication app) => _app = app;

    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Starts listening on <paramref name="url"/> (loopback).</summary>
    public static async Task<SlowUpstream> StartAsync(Uri url, TimeSpan delay)
    {
        if (!url.IsLoopback)
        {
            throw new ArgumentException("The fake upstream listens on loopback only.", nameof(url));
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url.GetLeftPart(UriPartial.Authority));
        var app = builder.Build();
        var upstream = new SlowUpstream(app);
        var orders = 0L;
        app.MapPost("/api/mobile-recharge.php", async (HttpContext http) =>
        {
            await Task.Delay(delay, http.RequestAborted);
            var order = Interlocked.Increment(ref orders).ToString("D9", CultureInfo.InvariantCulture);
            Interlocked.Increment(ref upstream._answered);
            return Results.Text(
                $$"""{"success":true,"order_number":"UP{{order}}","status":"Success","operator_transaction_id":"OPX{{order}}"}""",
                "application/json");
        });
        await app.StartAsync();
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
