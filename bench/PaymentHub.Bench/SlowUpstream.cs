using System.Globalization;
using System.Net;
using System.Text;

namespace PaymentHub.Bench;

/// <summary>
/// A nurr-compatible recharge hub that answers every <c>POST …/api/mobile-recharge.php</c> with a Success after a fixed
/// delay: the upstream of the "slow upstream" step, where the gateway holds hundreds of requests that each wait on it.
/// It listens on loopback only, and counts what it answered so the step can show the upstream's own ceiling.
/// </summary>
public sealed class SlowUpstream : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _answered;
    private long _orders;

    private SlowUpstream(Uri prefix, TimeSpan delay)
    {
        _delay = delay;
        _listener.Prefixes.Add(prefix.AbsoluteUri);
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Starts listening on <paramref name="prefix"/> (must be loopback and end with a slash).</summary>
    public static SlowUpstream Start(Uri prefix, TimeSpan delay) =>
        prefix.IsLoopback ? new SlowUpstream(prefix, delay) : throw new ArgumentException("The fake upstream listens on loopback only.", nameof(prefix));

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            await Task.Delay(_delay, _stop.Token);
            var isRecharge = context.Request.HttpMethod == "POST"
                             && context.Request.Url?.AbsolutePath.EndsWith("/api/mobile-recharge.php", StringComparison.Ordinal) == true
                             && string.IsNullOrEmpty(context.Request.QueryString["action"]);
            var order = Interlocked.Increment(ref _orders).ToString("D9", CultureInfo.InvariantCulture);
            var body = isRecharge
                ? $$"""{"success":true,"order_number":"UP{{order}}","status":"Success","operator_transaction_id":"OPX{{order}}"}"""
                : """{"error":"Only recharges are faked here."}""";
            response.StatusCode = isRecharge ? 200 : 404;
            response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body);
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes, _stop.Token);
            Interlocked.Increment(ref _answered);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or IOException or ObjectDisposedException)
        {
            // The gateway gave up on this request, or the fake is stopping: nothing to answer.
        }
        finally
        {
            response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopping is the point.
        }
        _listener.Close();
        _stop.Dispose();
    }
}
