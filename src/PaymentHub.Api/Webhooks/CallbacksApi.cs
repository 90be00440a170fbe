using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PaymentHub.Infrastructure;
using PaymentHub.Resellers;

namespace PaymentHub.Webhooks;

/// <summary>
/// The reseller's callbacks: <c>POST /api/callbacks.php?action=callback_create | callback_list | callback_rotate |
/// callback_delete | callback_enable | callback_deliveries | callback_redeliver</c>, form POST with the usual api_key /
/// api_secret, nurr-style <c>{"error"}</c> bodies. A reseller sees and changes only its own endpoints.
/// </summary>
public static partial class CallbacksApi
{
    private static readonly string?[] Actions =
        ["callback_create", "callback_list", "callback_rotate", "callback_delete", "callback_enable", "callback_deliveries", "callback_redeliver"];

    public static IEndpointConventionBuilder MapCallbacksApi(this RouteGroupBuilder resellerApi) =>
        resellerApi.MapPost("/callbacks.php", HandleAsync)
            .WithResellerActions(Actions)
            .WithName("Callbacks")
            .WithResellerDocs(CallbacksApiDocs.Actions)
            .WithSummary("Signed callbacks: action=callback_create (url, events), callback_list, callback_rotate / callback_delete / " +
                         "callback_enable / callback_deliveries (callback_id), callback_redeliver (callback_id, event_id or since)");

    // [FromServices] on the properties: the compile-time request delegate reads [AsParameters] members from the properties and
    // would otherwise take them for a JSON body (and refuse the form with 415).
    public readonly record struct CallbackDependencies(
        [property: FromServices] WebhookRegistry Registry, [property: FromServices] IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> Json);

    /// <summary>The /api group has checked the action and the credentials (<see cref="ResellerAuthentication"/>) before this runs.</summary>
    public static async Task<IResult> HandleAsync(
        [FromQuery] string? action, ResellerForm form, AuthenticatedReseller reseller, [AsParameters] CallbackDependencies deps, CancellationToken ct)
    {
        if (action == "callback_create")
        {
            return await CreateAsync(form, reseller, deps, ct);
        }
        if (action == "callback_list")
        {
            return Reply(deps, "callbacks", await deps.Registry.ListAsync(reseller.Id, ct));
        }
        if (ParseId(form["callback_id"]) is not { } id)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity,
                form["callback_id"] is null ? "Missing required parameters." : "Invalid callback_id.", "callback_id");
        }
        return action switch
        {
            "callback_rotate" => await deps.Registry.RotateAsync(id, reseller.Id, ct) is { } rotated
                ? Reply(deps, "callback", rotated) : NotFound(),
            "callback_delete" => await deps.Registry.DeleteAsync(id, reseller.Id, ct)
                ? ResellerResults.Reply(StatusCodes.Status200OK, new JsonObject { ["success"] = true }) : NotFound(),
            "callback_enable" => await deps.Registry.EnableAsync(id, reseller.Id, ct)
                ? Reply(deps, "callback", await deps.Registry.FindAsync(id, reseller.Id, ct)) : NotFound(),
            "callback_deliveries" => await deps.Registry.FindAsync(id, reseller.Id, ct) is null
                ? NotFound() : Reply(deps, "deliveries", await deps.Registry.DeliveriesAsync(id, 50, ct)),
            _ => await RedeliverAsync(form, reseller, id, deps, ct),
        };
    }

    private static async Task<IResult> CreateAsync(ResellerForm form, AuthenticatedReseller reseller, CallbackDependencies deps, CancellationToken ct)
    {
        var url = form["url"];
        var events = form["events"];
        if (url is null || events is null)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Missing required parameters.", url is null ? "url" : "events");
        }
        if (events.Length > 400 || WebhookEvents.Parse(events.Split(',')) is not { } types)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, new JsonObject
            {
                ["error"] = "Invalid events.",
                ["field"] = "events",
                ["allowed_events"] = new JsonArray(WebhookEvents.All.Select(e => (JsonNode)JsonValue.Create(e)).ToArray()),
            });
        }
        var (created, error) = await deps.Registry.CreateAsync(reseller.Id, url, types, ct);
        return created is null
            ? ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, error!, error!.StartsWith("A reseller", StringComparison.Ordinal) ? null : "url")
            : Reply(deps, "callback", created);
    }

    private static async Task<IResult> RedeliverAsync(ResellerForm form, AuthenticatedReseller reseller, long id, CallbackDependencies deps, CancellationToken ct)
    {
        (WebhookChange Change, int Count) result;
        if (form["event_id"] is { } eventId)
        {
            if (!EventIdPattern().IsMatch(eventId))
            {
                return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid event_id.", "event_id");
            }
            result = await deps.Registry.RedeliverAsync(id, reseller.Id, eventId, ct);
        }
        else if (form["since"] is { } sinceText)
        {
            if (!DateTime.TryParseExact(sinceText, SinceFormats, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var since))
            {
                return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid since (use yyyy-MM-dd HH:mm:ss, UTC).", "since");
            }
            result = await deps.Registry.RedeliverFailedAsync(id, reseller.Id, DateTime.SpecifyKind(since, DateTimeKind.Utc), ct);
        }
        else
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Missing required parameters.", "event_id");
        }
        return result.Change switch
        {
            WebhookChange.NotFound => NotFound(),
            WebhookChange.Disabled => ResellerResults.Error(StatusCodes.Status409Conflict, "This callback is disabled; enable it first."),
            _ => ResellerResults.Reply(StatusCodes.Status200OK, new JsonObject { ["success"] = true, ["redelivered"] = result.Count }),
        };
    }

    private static readonly string[] SinceFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd"];

    private static IResult Reply(CallbackDependencies deps, string key, object? value) => ResellerResults.Reply(StatusCodes.Status200OK, new JsonObject
    {
        ["success"] = true,
        [key] = JsonSerializer.SerializeToNode(value, deps.Json.Value.SerializerOptions),
    });

    private static IResult NotFound() => ResellerResults.Error(StatusCodes.Status404NotFound, "Callback not found.");

    private static long? ParseId(string? text) =>
        text is { Length: > 0 and <= 18 } && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : null;

    [GeneratedRegex(@"\Aevt_[0-9a-f]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex EventIdPattern();
}
