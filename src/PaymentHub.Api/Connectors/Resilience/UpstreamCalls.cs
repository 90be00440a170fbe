using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;
using PaymentHub.Observability;

namespace PaymentHub.Connectors.Resilience;

/// <summary>Why a call got no reply. <see cref="NotSent"/>: provably nothing left this side (connection refused, circuit open).</summary>
public sealed record UpstreamNoReply(string Failure, bool NotSent);

/// <summary>
/// One upstream call's result before any client reads it: the HTTP status and the body as JSON (null when it is not
/// readable JSON), or <see cref="NoReply"/> when no reply came at all.
/// </summary>
public readonly record struct UpstreamResponse(HttpStatusCode Status, JsonElement? Json, UpstreamNoReply? NoReply);

/// <summary>
/// Sends a request to an upstream and classifies what happened, so that every client (IAK, nurr, shurjoPay,
/// SecureSoftPay) tells "no reply" from "a reply" the same way. A transport failure, a timeout (the pipeline's or the
/// body read's) and an open circuit are no reply, never an exception; only the caller's own cancellation propagates.
/// </summary>
public static partial class UpstreamCalls
{
    /// <param name="operation">What was asked (IAK's command, nurr's action, a gateway endpoint), for the log.</param>
    public static async Task<UpstreamResponse> SendAsync(
        HttpClient http, HttpRequestMessage request, ILogger logger, string upstream, string operation, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            // HTML error pages, truncated, empty or unreadable bodies give null: each client decides what that means.
            var json = await UpstreamReplies.ReadJsonAsync(response, logger, $"{upstream} {operation}", ct);
            PaymentHubMetrics.UpstreamCall(upstream, operation, Stopwatch.GetElapsedTime(started), (int)response.StatusCode >= 500 ? ((int)response.StatusCode).ToString() : null);
            return new UpstreamResponse(response.StatusCode, json, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (IsNoReply(ex))
        {
            var notSent = ex is BrokenCircuitException || ex is HttpRequestException refused && UpstreamResilience.IsConnectionRefused(refused);
            LogNoReply(logger, upstream, operation, ex.GetType().Name, notSent);
            PaymentHubMetrics.UpstreamCall(upstream, operation, Stopwatch.GetElapsedTime(started), ex.GetType().Name);
            return new UpstreamResponse(0, null, new UpstreamNoReply(ex.GetType().Name, notSent));
        }
    }

    private static bool IsNoReply(Exception ex) =>
        ex is HttpRequestException or IOException or OperationCanceledException or TimeoutRejectedException or BrokenCircuitException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Upstream} {Operation}: no reply ({Failure}); nothing sent: {NotSent}")]
    private static partial void LogNoReply(ILogger logger, string upstream, string operation, string failure, bool notSent);
}
