using System.Text.Json;
using Microsoft.Extensions.Options;
using PaymentHub.Connectors.Resilience;
using PaymentHub.Fulfilment;
using PaymentHub.Infrastructure;

namespace PaymentHub.Connectors.Iak;

/// <summary>
/// IAK postpaid: inquiry, then (after a <see cref="BillStage.Paying"/> checkpoint) one payment; any outcome that is not final is resolved
/// by checkstatus, never by paying again.
/// </summary>
public sealed class IakBillConnector(IakClient iak, IOptions<IakOptions> options, TimeProvider clock) : IBillConnector, IBillInquiry, IOptionalConnector
{
    public bool IsEnabled => !string.IsNullOrWhiteSpace(options.Value.BaseUrl);

    private const string DuplicateRefId = "11";

    public string Name => ConnectorNames.Iak;

    public async Task<ConnectorOutcome> ProcessAsync(BillOrderWork work, CancellationToken ct)
    {
        // Once a payment may have gone out (or was reported paid but not yet settled), only checkstatus may resolve it.
        if (work.Stage is BillStage.Paying or BillStage.Checking or BillStage.Settling)
        {
            return await CheckAsync(work, ct);
        }
        if (string.IsNullOrEmpty(work.ProductCode) || string.IsNullOrEmpty(work.CustomerNumber))
        {
            return new ConnectorOutcome.Cancelled("The service has no IAK product code or the order has no customer number.");
        }

        // IAK wants every ref_id unique (rc 11, duplicate ref id), so an inquiry asked again carries its attempt number;
        // the one that leads to the payment is kept in the checkpoint for checkstatus.
        var refId = OrderNumbers.AlphanumericReference(work.OrderNumber) + (work.Attempts > 0 ? $"R{work.Attempts}" : "");
        var inquiry = await iak.InquiryAsync(work.ProductCode, work.CustomerNumber, refId, ct);
        switch (inquiry.Outcome)
        {
            case IakOutcome.Failed when inquiry.ResponseCode == DuplicateRefId:
                // An earlier inquiry under this ref_id reached IAK (its reply was lost, or an instance died after sending it).
                // An inquiry pays nothing, so it is simply asked again, under the next reference.
                return Pending(work, BillStage.New, $"Inquiry: {inquiry.Message}");
            case IakOutcome.Failed:
                return new ConnectorOutcome.Cancelled(inquiry.Message);
            case IakOutcome.Pending or IakOutcome.Unknown:
                // A pending inquiry (rc 05/39/201) or one without a readable reply: nothing was paid, and checkstatus has
                // nothing to resolve (it tracks payments; after an inquiry alone it answers status 0, rc 42). So the
                // inquiry itself is asked again with backoff, and a bill is paid only on a successful one, never on the
                // tr_id or price of a pending reply. An inquiry that stays pending leaves the order Processing (not
                // refunded) until the worker flags it after Fulfilment:FlagAfterMinutes; the operator may then cancel it,
                // which is safe since no payment went out.
                return Pending(work, BillStage.New, $"Inquiry: {inquiry.Message}");
        }
        var data = inquiry.Data!;
        if (data.Price is not { } price || string.IsNullOrEmpty(data.TrId))
        {
            return Pending(work, BillStage.New, "Inquiry reply had no price or tr_id.");
        }
        if (price != work.Amount)
        {
            return new ConnectorOutcome.Cancelled(
                $"Amount mismatch: the biller says {Money.Format(price)} is due, the order was for {Money.Format(work.Amount)}.");
        }

        var state = JsonSerializer.Serialize(new IakState(data.TrId, refId, clock.GetUtcNow().UtcDateTime));
        await work.SaveCheckpointAsync(new ConnectorCheckpoint(BillStage.Paying, refId, state), ct);

        var pay = await iak.PayAsync(data.TrId, ct);
        return pay.Outcome switch
        {
            IakOutcome.Success => new ConnectorOutcome.Succeeded(Token(pay.Data, data.TrId), refId, state),
            IakOutcome.Failed => new ConnectorOutcome.Cancelled(pay.Message, state),
            // Pending or unknown: the payment may have gone through. Only checkstatus may tell.
            _ => Pending(work, BillStage.Checking, $"Payment: {pay.Message}", refId, state),
        };
    }

    /// <summary>An inquiry for the reseller API, under a fresh reference (IAK wants every ref_id unique).</summary>
    public async Task<BillInquiryOutcome> InquireAsync(string productCode, string customerNumber, CancellationToken ct)
    {
        var reply = await iak.InquiryAsync(productCode, customerNumber, IakRegistration.NewInquiryReference(), ct);
        if (reply.Outcome == IakOutcome.Failed)
        {
            return new BillInquiryOutcome.Refused(reply.Message, reply.ResponseCode);
        }
        if (reply.Outcome != IakOutcome.Success || reply.Data?.Price is not { } price)
        {
            return new BillInquiryOutcome.NoAnswer();
        }
        var data = reply.Data;
        return new BillInquiryOutcome.Answered(data.CustomerName ?? "", data.Period ?? "",
            data.Nominal ?? price - (data.Admin ?? 0m), data.Admin ?? 0m, price);
    }

    private async Task<ConnectorOutcome> CheckAsync(BillOrderWork work, CancellationToken ct)
    {
        var refId = work.UpstreamRef ?? OrderNumbers.AlphanumericReference(work.OrderNumber);
        var state = ReadState(work.UpstreamState);
        var trId = state?.TrId;
        var check = await iak.CheckStatusAsync(refId, ct);
        // Only a readable 200 reply states the payment's status; a refused query (HTTP 400) says nothing about it.
        var status = check.HttpStatus == 200 ? check.Data?.Status : null;
        return status switch
        {
            1 when check.ResponseCode == "00" => new ConnectorOutcome.Succeeded(Token(check.Data, trId ?? refId)),
            2 => new ConnectorOutcome.Cancelled(check.Message),
            // Status 0 (rc 42) is IAK saying the payment request was never received, so no money moved upstream and
            // cancelling with a refund is safe. It is trusted only once a payment still in flight (a slow or timed-out
            // call) would have reached IAK: before NotReceivedGraceSeconds, or without a recorded send time, keep
            // waiting. Any other answer (3, in process; no status; no reply) keeps waiting too, and the worker flags
            // the order for the operator when it stays unresolved.
            0 when check.ResponseCode == "42" && state?.PaySentAt is { } sentAt
                   && clock.GetUtcNow().UtcDateTime - sentAt >= TimeSpan.FromSeconds(options.Value.NotReceivedGraceSeconds)
                => new ConnectorOutcome.Cancelled($"IAK did not receive the payment: {check.Message}"),
            // A success not yet settled stays Settling: the payment is known to have gone through.
            _ => Pending(work, work.Stage == BillStage.Settling ? BillStage.Settling : BillStage.Checking, $"Check status: {check.Message}"),
        };
    }

    private ConnectorOutcome.Pending Pending(BillOrderWork work, BillStage stage, string note, string? upstreamRef = null, string? state = null)
    {
        var retryAfter = RetryBackoff.Jittered(work.Attempts, TimeSpan.FromSeconds(options.Value.PendingRetrySeconds), RetryBackoff.MaxDelay);
        return new ConnectorOutcome.Pending(retryAfter, stage, note, upstreamRef, state);
    }

    private static string Token(IakData? data, string fallback) => data?.NoRef is { Length: > 0 } noref ? noref : data?.TrId is { Length: > 0 } tr ? tr : fallback;

    private static IakState? ReadState(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<IakState>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record IakState(string TrId, string RefId, DateTime? PaySentAt);
}

public static class IakRegistration
{
    /// <summary>
    /// Registers the IAK connector; it is enabled (listed by the registry, used by the worker) only when
    /// <c>Connectors:Iak:BaseUrl</c> is set. Configuration is read lazily, so test hosts can supply it.
    /// </summary>
    public static IServiceCollection AddIakConnector(this IServiceCollection services)
    {
        services.AddOptions<IakOptions>().BindConfiguration(IakOptions.Section)
            .Validate(o => string.IsNullOrWhiteSpace(o.BaseUrl)
                           || (UpstreamHttpClients.IsHttpUrl(o.BaseUrl)
                               && !string.IsNullOrWhiteSpace(o.Username) && !string.IsNullOrWhiteSpace(o.ApiKey)),
                "Connectors:Iak needs an absolute http(s) BaseUrl, a Username and an ApiKey.")
            .ValidateOnStart();
        services.AddUpstreamHttpClient<IakClient>(ConnectorNames.Iak, IakOptions.Section);
        services.AddSingleton<IakBillConnector>();
        services.AddSingleton<IBillConnector>(sp => sp.GetRequiredService<IakBillConnector>());
        services.AddSingleton<IBillInquiry>(sp => sp.GetRequiredService<IakBillConnector>());
        return services;
    }

    internal static string NewInquiryReference() =>
        "INQ" + System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 17);
}
