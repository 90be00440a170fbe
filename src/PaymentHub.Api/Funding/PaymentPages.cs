using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using PaymentHub.Funding.Gateways;
using PaymentHub.Infrastructure;
using PaymentHub.Resellers;

namespace PaymentHub.Funding;

/// <summary>
/// Where the gateways send the customer's browser back, and shurjoPay's IPN. None of them is believed: each only
/// makes PaymentHub ask the gateway itself, then shows the top-up as it really is.
/// </summary>
public static partial class PaymentPages
{
    public static RouteGroupBuilder MapPaymentPages(this IEndpointRouteBuilder app)
    {
        // Public and unauthenticated: rate-limited per client IP like the reseller API, since a known order id makes us call the gateway.
        var group = app.MapGroup("/payments").WithTags("Payment gateway callbacks").DisableAntiforgery().RequireAddressRateLimit();
        group.MapGet("/shurjopay/return", ShurjoPayReturnAsync);
        group.MapGet("/shurjopay/cancel", ShurjoPayCancelAsync);
        group.MapMethods("/shurjopay/ipn", [HttpMethods.Get, HttpMethods.Post], ShurjoPayIpnAsync);
        group.MapGet("/securesoftpay/return", SecureSoftPayReturnAsync);
        group.MapGet("/securesoftpay/cancel", SecureSoftPayCancelAsync);
        group.MapSandboxCheckout();
        return group;
    }

    public static async Task<IResult> ShurjoPayReturnAsync([FromQuery(Name = "order_id")] string? orderId, TopUpGateways gateways, CancellationToken ct)
    {
        if (!IsGatewayReference(orderId))
        {
            return NotFoundPage();
        }
        var topUp = await gateways.ShurjoPayCallbackAsync(orderId, FundingSource.Return, ct);
        return topUp is null ? NotFoundPage() : Page(topUp, null);
    }

    public static async Task<IResult> ShurjoPayCancelAsync([FromQuery(Name = "topup")] string? reference, TopUpGateways gateways, CancellationToken ct)
    {
        if (!IsTopUpReference(reference))
        {
            return NotFoundPage();
        }
        var topUp = await gateways.ShurjoPayCancelAsync(reference, ct);
        return topUp is null ? NotFoundPage() : Page(topUp, null);
    }

    public static async Task<IResult> ShurjoPayIpnAsync(HttpContext http, TopUpGateways gateways, CancellationToken ct)
    {
        string? orderId = http.Request.Query["order_id"];
        if (string.IsNullOrEmpty(orderId) && http.Request.HasFormContentType)
        {
            var (form, formError) = await ResellerForm.ReadAsync(http.Request, ct);
            if (form is null)
            {
                return formError!;
            }
            orderId = form["order_id"];
        }
        if (!IsGatewayReference(orderId))
        {
            return ResellerResults.Error(StatusCodes.Status400BadRequest, "Missing or invalid order_id.");
        }
        var topUp = await gateways.ShurjoPayCallbackAsync(orderId, FundingSource.Ipn, ct);
        return topUp is null
            ? ResellerResults.Error(StatusCodes.Status404NotFound, "Unknown order.")
            : Results.Json(new { received = true, status = TopUpCodes.ResellerStatus(topUp.Status) });
    }

    public static async Task<IResult> SecureSoftPayReturnAsync(
        [FromQuery(Name = "topup")] string? reference, [FromQuery(Name = "transaction_id")] string? transactionId,
        TopUpGateways gateways, CancellationToken ct)
    {
        if (!IsTopUpReference(reference))
        {
            return NotFoundPage();
        }
        // A transaction id that is not a plain reference is no confirmation at all: the top-up is shown, nothing is claimed.
        var (topUp, problem) = await gateways.SecureSoftPayReturnAsync(reference, IsGatewayReference(transactionId) ? transactionId : null, ct);
        return topUp is null ? NotFoundPage() : Page(topUp, problem);
    }

    public static async Task<IResult> SecureSoftPayCancelAsync([FromQuery(Name = "topup")] string? reference, TopUpGateways gateways, CancellationToken ct)
    {
        if (!IsTopUpReference(reference))
        {
            return NotFoundPage();
        }
        var topUp = await gateways.SecureSoftPayCancelAsync(reference, ct);
        return topUp is null ? NotFoundPage() : Page(topUp, null);
    }

    /// <summary>A gateway's order or transaction id: 1-64 ASCII letters, digits, '_', '.', '-' (and nothing after them, not even a newline).</summary>
    public static bool IsGatewayReference([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? text) =>
        text is not null && GatewayTransactionIds.WellFormed().IsMatch(text);

    /// <summary>Our top-up reference as a gateway hands it back: the same characters, at most 32 of them.</summary>
    private static bool IsTopUpReference([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? text) =>
        IsGatewayReference(text) && text.Length <= 32;

    public static IResult Page(TopUp topUp, string? problem)
    {
        var status = TopUpCodes.ResellerStatus(topUp.Status);
        var (headline, explanation) = status switch
        {
            "Completed" => ("Payment completed", "The amount has been added to your wallet."),
            "Pending" => ("Payment pending", problem ?? (topUp.Status == TopUpStatus.Review
                ? "We are confirming this payment with the gateway. Your wallet is credited as soon as it is confirmed."
                : "We have not received a confirmed payment yet. If you paid, this page will show it shortly.")),
            "Cancelled" => ("Payment cancelled", "The payment was cancelled. Nothing was charged to your wallet."),
            _ => ("Payment failed", "The payment did not go through. Nothing was added to your wallet."),
        };
        var body = new StringBuilder(Details(topUp));
        if (ReturnLink(topUp) is { } link)
        {
            body.Append("<p><a id=\"back\" href=\"").Append(HtmlEncoder.Default.Encode(link)).Append("\">Back to the shop</a></p>");
        }
        return Html(StatusCodes.Status200OK, headline, explanation, body.ToString(), status);
    }

    /// <summary>The top-up's status, amount, reference and gateway reference, HTML-encoded.</summary>
    public static string Details(TopUp topUp)
    {
        var e = HtmlEncoder.Default;
        var body = new StringBuilder();
        body.Append("<dl>")
            .Append("<dt>Status</dt><dd id=\"status\">").Append(e.Encode(TopUpCodes.ResellerStatus(topUp.Status))).Append("</dd>")
            .Append("<dt>Amount</dt><dd id=\"amount\">").Append(e.Encode($"{topUp.Currency} {Money.Format(topUp.Amount)}")).Append("</dd>")
            .Append("<dt>Reference</dt><dd id=\"reference\">").Append(e.Encode(topUp.Reference)).Append("</dd>");
        if ((topUp.GatewayTransactionId ?? topUp.GatewayOrderId) is { } gatewayReference)
        {
            body.Append("<dt>Gateway reference</dt><dd id=\"gateway-reference\">").Append(e.Encode(gatewayReference)).Append("</dd>");
        }
        return body.Append("</dl>").ToString();
    }

    /// <summary>The reseller's return URL with the top-up's id and status added, or null when it has none (or an unsafe one).</summary>
    public static string? ReturnLink(TopUp topUp)
    {
        if (topUp.ReturnUrl is not { } returnUrl || !TopUpCodes.IsSafeReturnUrl(returnUrl))
        {
            return null;
        }
        var separator = returnUrl.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return $"{returnUrl}{separator}topup_id={Uri.EscapeDataString(topUp.Reference)}&status={Uri.EscapeDataString(TopUpCodes.ResellerStatus(topUp.Status))}";
    }

    public static IResult NotFoundPage() =>
        Html(StatusCodes.Status404NotFound, "Payment not found", "We have no payment with this reference. Nothing was credited.", "", "Unknown");

    /// <summary>A complete page; <paramref name="details"/> is HTML already encoded by the caller.</summary>
    public static IResult Html(int statusCode, string headline, string explanation, string details, string statusClass)
    {
        var e = HtmlEncoder.Default;
        var html = $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{e.Encode(headline)}} - PaymentHub</title>
            <style>
            body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem;color:#1f2933}
            main{max-width:28rem;margin:auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
            h1{font-size:1.4rem} .Completed h1{color:#1b7f3b} .Pending h1{color:#a86400} .Failed h1,.Cancelled h1,.Unknown h1{color:#b42318}
            .sandbox{background:#fff4ce;border:1px solid #e0b400;border-radius:4px;padding:.5rem .75rem;font-weight:600}
            button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.4rem}
            dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem} dt{color:#616e7c} dd{margin:0;font-weight:600}
            </style></head>
            <body class="{{statusClass}}"><main><h1 id="headline">{{e.Encode(headline)}}</h1><p>{{e.Encode(explanation)}}</p>{{details}}</main></body></html>
            """;
        return new HtmlPage(statusCode, html);
    }

    private sealed class HtmlPage(int statusCode, string html) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = statusCode;
            http.Response.ContentType = "text/html; charset=utf-8";
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            http.Response.Headers["X-Content-Type-Options"] = "nosniff";
            await http.Response.WriteAsync(html, Encoding.UTF8);
        }
    }
}
