using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Webhooks;

public sealed record CreateWebhookRequest(string Url, IReadOnlyList<string> Events);
public sealed record RedeliverFailedRequest(DateTime Since);

public sealed class CreateWebhookRequestValidator : AbstractValidator<CreateWebhookRequest>
{
    public CreateWebhookRequestValidator()
    {
        RuleFor(r => r.Url).NotEmpty().MaximumLength(500).NoControlCharacters();
        RuleFor(r => r.Events).NotEmpty().Must(e => e.Count <= 20 && WebhookEvents.Parse(e) is not null)
            .WithMessage("Events must name one or more of: " + string.Join(", ", WebhookEvents.All) + " (or *).");
    }
}

public sealed class RedeliverFailedRequestValidator : AbstractValidator<RedeliverFailedRequest>
{
    public RedeliverFailedRequestValidator() => RuleFor(r => r.Since).NotEmpty().WithMessage("since is required: failed deliveries written since when?");
}

/// <summary>The operator's view of resellers' callbacks: endpoints under a reseller, deliveries and redelivery under an endpoint.</summary>
public static class WebhookAdminApi
{
    public static RouteGroupBuilder MapWebhookAdminApi(this RouteGroupBuilder admin)
    {
        var perReseller = admin.MapGroup("/resellers/{id:int}/webhooks").WithTags("Webhooks");
        perReseller.MapPost("/", CreateAsync).WithDescription("Registers a callback endpoint. The signing secret is shown in this reply only.");
        perReseller.MapGet("/", ListAsync);
        perReseller.MapPost("/{webhookId:long}/rotate-secret", RotateAsync)
            .WithDescription("A new signing secret (shown once); the previous one keeps signing until Webhooks:SecretOverlapHours pass.");
        perReseller.MapDelete("/{webhookId:long}", DeleteAsync);

        var endpoints = admin.MapGroup("/webhooks").WithTags("Webhooks");
        endpoints.MapGet("/{webhookId:long}", GetAsync);
        endpoints.MapPost("/{webhookId:long}/enable", EnableAsync);
        endpoints.MapGet("/{webhookId:long}/deliveries", DeliveriesAsync).WithDescription("The latest deliveries (limit, default 50), newest first, with every attempt.");
        endpoints.MapPost("/{webhookId:long}/deliveries/{eventId}/redeliver", RedeliverAsync);
        endpoints.MapPost("/{webhookId:long}/redeliver-failed", RedeliverFailedAsync).WithDescription("Sends again every failed delivery written since a time.");
        return admin;
    }

    public static async Task<Results<Created<WebhookCreatedReply>, ProblemHttpResult>> CreateAsync(
        int id, CreateWebhookRequest request, PaymentHubDbContext db, WebhookRegistry registry, CancellationToken ct)
    {
        if (!await db.Resellers.AnyAsync(r => r.Id == id, ct))
        {
            return TypedResults.Problem(statusCode: 404, title: "Reseller not found", detail: $"There is no reseller {id}.");
        }
        var (reply, error) = await registry.CreateAsync(id, request.Url.Trim(' '), WebhookEvents.Parse(request.Events), ct);
        return reply is null
            ? TypedResults.Problem(statusCode: 422, title: "Endpoint refused", detail: error)
            : TypedResults.Created($"/admin/v1/webhooks/{reply.Id}", reply);
    }

    public static async Task<Ok<List<WebhookEndpointReply>>> ListAsync(int id, WebhookRegistry registry, CancellationToken ct) =>
        TypedResults.Ok(await registry.ListAsync(id, ct));

    public static async Task<Results<Ok<WebhookEndpointReply>, ProblemHttpResult>> GetAsync(long webhookId, WebhookRegistry registry, CancellationToken ct) =>
        await registry.FindAsync(webhookId, null, ct) is { } reply ? TypedResults.Ok(reply) : NotFound(webhookId);

    public static async Task<Results<Ok<WebhookSecretRotatedReply>, ProblemHttpResult>> RotateAsync(
        int id, long webhookId, WebhookRegistry registry, CancellationToken ct) =>
        await registry.RotateAsync(webhookId, id, ct) is { } reply ? TypedResults.Ok(reply) : NotFound(webhookId);

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(int id, long webhookId, WebhookRegistry registry, CancellationToken ct) =>
        await registry.DeleteAsync(webhookId, id, ct) ? TypedResults.NoContent() : NotFound(webhookId);

    public static async Task<Results<Ok<WebhookEndpointReply>, ProblemHttpResult>> EnableAsync(long webhookId, WebhookRegistry registry, CancellationToken ct) =>
        await registry.EnableAsync(webhookId, null, ct) && await registry.FindAsync(webhookId, null, ct) is { } reply
            ? TypedResults.Ok(reply)
            : NotFound(webhookId);

    public static async Task<Results<Ok<List<WebhookDeliveryReply>>, ProblemHttpResult>> DeliveriesAsync(
        long webhookId, int? limit, WebhookRegistry registry, CancellationToken ct) =>
        await registry.FindAsync(webhookId, null, ct) is null
            ? NotFound(webhookId)
            : TypedResults.Ok(await registry.DeliveriesAsync(webhookId, limit ?? 50, ct));

    public static async Task<Results<Ok<RedeliveredReply>, ProblemHttpResult>> RedeliverAsync(
        long webhookId, string eventId, WebhookRegistry registry, CancellationToken ct)
    {
        var (change, count) = await registry.RedeliverAsync(webhookId, null, eventId, ct);
        return change != WebhookChange.Done ? Refused(webhookId, change)
            : count == 0 ? TypedResults.Problem(statusCode: 404, title: "Event not found",
                detail: $"Endpoint {webhookId} has no delivery of event {eventId} that is not being sent right now.")
            : TypedResults.Ok(new RedeliveredReply(count));
    }

    public static async Task<Results<Ok<RedeliveredReply>, ProblemHttpResult>> RedeliverFailedAsync(
        long webhookId, RedeliverFailedRequest request, WebhookRegistry registry, CancellationToken ct)
    {
        var (change, count) = await registry.RedeliverFailedAsync(webhookId, null, request.Since.ToUniversalTime(), ct);
        return change != WebhookChange.Done ? Refused(webhookId, change) : TypedResults.Ok(new RedeliveredReply(count));
    }

    private static ProblemHttpResult Refused(long webhookId, WebhookChange change) => change == WebhookChange.Disabled
        ? TypedResults.Problem(statusCode: 409, title: "Endpoint disabled", detail: $"Endpoint {webhookId} is disabled; enable it first.")
        : NotFound(webhookId);

    private static ProblemHttpResult NotFound(long webhookId) =>
        TypedResults.Problem(statusCode: 404, title: "Webhook endpoint not found", detail: $"There is no webhook endpoint {webhookId}.");
}

public sealed record RedeliveredReply(int Redelivered);
