using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Mvc;
using PaymentHub.Infrastructure;

namespace PaymentHub.Funding;

/// <summary>
/// The sandbox gateway's checkout page (Development only; elsewhere both answer 404 like an unknown payment). The signed
/// token in the link is the capability, so the form needs no antiforgery token: it carries that token back.
/// </summary>
public static class SandboxPages
{
    public static RouteGroupBuilder MapSandboxCheckout(this RouteGroupBuilder payments)
    {
        // Browser pages of a Development-only tool: not part of the described API.
        payments.MapGet("/sandbox/checkout", CheckoutPageAsync).ExcludeFromDescription();
        payments.MapPost("/sandbox/checkout", DecideAsync).ExcludeFromDescription();
        return payments;
    }

    public static async Task<IResult> CheckoutPageAsync([FromQuery(Name = "token")] string? token, SandboxGateway sandbox, CancellationToken ct)
    {
        if (!sandbox.IsAvailable)
        {
            return PaymentPages.NotFoundPage();
        }
        var (session, outcome) = await sandbox.OpenAsync(token, ct);
        return outcome switch
        {
            SandboxOutcome.NotFound => PaymentPages.NotFoundPage(),
            SandboxOutcome.Expired when session!.IsOpen => ExpiredPage(),
            _ when session!.IsOpen => CheckoutPage(session, token!),
            _ => PaymentPages.Page(session.TopUp, null),
        };
    }

    public static async Task<IResult> DecideAsync(HttpContext http, SandboxGateway sandbox, CancellationToken ct)
    {
        if (!sandbox.IsAvailable)
        {
            return PaymentPages.NotFoundPage();
        }
        var (form, formError) = await ResellerForm.ReadAsync(http.Request, ct);
        if (form is null)
        {
            return formError!;
        }
        if (ParseAction(form["action"]) is not { } action)
        {
            return PaymentPages.Html(StatusCodes.Status400BadRequest, "Unknown choice",
                "Press Pay, Fail or Cancel on the sandbox checkout page. Nothing was changed.", "", "Unknown");
        }
        var (topUp, outcome) = await sandbox.DecideAsync(form["token"], action, ct);
        return outcome switch
        {
            SandboxOutcome.NotFound => PaymentPages.NotFoundPage(),
            SandboxOutcome.Expired => ExpiredPage(),
            SandboxOutcome.AlreadyUsed => PaymentPages.Html(StatusCodes.Status409Conflict, "Already answered",
                $"This sandbox payment was already answered; nothing was changed. It is {TopUpCodes.ResellerStatus(topUp!.Status)}.",
                PaymentPages.Details(topUp), "Unknown"),
            _ => PaymentPages.ReturnLink(topUp!) is { } back ? Results.Redirect(back) : PaymentPages.Page(topUp!, null),
        };
    }

    private static SandboxAction? ParseAction(string? text) => text switch
    {
        "pay" => SandboxAction.Pay,
        "fail" => SandboxAction.Fail,
        "cancel" => SandboxAction.Cancel,
        _ => null,
    };

    private static IResult ExpiredPage() =>
        PaymentPages.Html(StatusCodes.Status410Gone, "Payment link expired", "This sandbox payment link has expired. Nothing was charged or credited.", "", "Unknown");

    private static IResult CheckoutPage(SandboxSession session, string token)
    {
        var e = HtmlEncoder.Default;
        var topUp = session.TopUp;
        var body = new StringBuilder()
            .Append("<p id=\"sandbox\" class=\"sandbox\">Sandbox \u2014 no real money. This page stands in for a payment gateway in Development.</p>")
            .Append("<dl>")
            .Append("<dt>Amount</dt><dd id=\"amount\">").Append(e.Encode($"{topUp.Currency} {Money.Format(topUp.Amount)}")).Append("</dd>")
            .Append("<dt>Reference</dt><dd id=\"reference\">").Append(e.Encode(topUp.Reference)).Append("</dd>")
            .Append("<dt>Reseller</dt><dd id=\"reseller\">").Append(e.Encode(session.ResellerName)).Append("</dd>")
            .Append("</dl>")
            .Append("<form method=\"post\" action=\"").Append(e.Encode(SandboxGateway.CheckoutPath)).Append("\">")
            .Append("<input type=\"hidden\" name=\"token\" value=\"").Append(e.Encode(token)).Append("\">")
            .Append("<button id=\"pay\" type=\"submit\" name=\"action\" value=\"pay\">Pay</button> ")
            .Append("<button id=\"fail\" type=\"submit\" name=\"action\" value=\"fail\">Fail</button> ")
            .Append("<button id=\"cancel\" type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button>")
            .Append("</form>");
        return PaymentPages.Html(StatusCodes.Status200OK, "Sandbox checkout",
            "Choose what the payment gateway should answer. Pay credits the wallet as a verified payment would.", body.ToString(), "Pending");
    }
}
