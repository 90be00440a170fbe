using System.Net.Mail;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Funding;
using PaymentHub.Infrastructure;
using PaymentHub.Resellers;

namespace PaymentHub.Wallet;

/// <summary>The reseller's wallet: <c>POST /api/wallet.php?action=add_fund | topup_status | balance</c> (form POST, same credentials).</summary>
public static partial class WalletApi
{
    public static IEndpointConventionBuilder MapWalletApi(this RouteGroupBuilder resellerApi) =>
        resellerApi.MapPost("/wallet.php", HandleAsync)
            .WithResellerActions("add_fund", "topup_status", "balance", "statement")
            .WithName("Wallet")
            .WithResellerDocs(WalletApiDocs.Actions)
            .WithSummary("Wallet: action=add_fund (amount, gateway), topup_status (topup_id), balance, statement (from, to, page, per_page)");

    public static async Task<IResult> HandleAsync(
        HttpContext http, [FromQuery] string? action, ResellerForm form, AuthenticatedReseller reseller, PaymentHubDbContext db,
        TopUpGateways gateways, IOptions<FundingOptions> options, ILoggerFactory loggers, WalletStatements statements, CancellationToken ct) =>
        action switch
        {
            "add_fund" => await AddFundAsync(http, form, reseller, gateways, options.Value, loggers, ct),
            "topup_status" => await TopUpStatusAsync(form, reseller, db, ct),
            "statement" => await WalletStatementApi.StatementAsync(form, reseller, statements, ct),
            _ => await BalanceAsync(reseller, db, ct),
        };

    public static async Task<IResult> BalanceAsync(AuthenticatedReseller reseller, PaymentHubDbContext db, CancellationToken ct)
    {
        var balance = await db.LedgerAccounts.Where(a => a.Id == reseller.WalletAccountId).Select(a => a.Balance).SingleAsync(ct);
        return ResellerResults.Reply(StatusCodes.Status200OK, new JsonObject { ["success"] = true, ["balance"] = Money.Format(balance) });
    }

    public static async Task<IResult> TopUpStatusAsync(ResellerForm form, AuthenticatedReseller reseller, PaymentHubDbContext db, CancellationToken ct)
    {
        var reference = form["topup_id"];
        if (reference is null)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Missing required parameters.", "topup_id");
        }
        var topUp = reference.Length > 32
            ? null
            : await db.TopUps.AsNoTracking().FirstOrDefaultAsync(t => t.Reference == reference && t.ResellerId == reseller.Id, ct);
        return topUp is null
            ? ResellerResults.Error(StatusCodes.Status404NotFound, "Top-up not found.")
            : ResellerResults.Reply(StatusCodes.Status200OK, TopUpCodes.Describe(topUp));
    }

    public static async Task<IResult> AddFundAsync(
        HttpContext http, ResellerForm form, AuthenticatedReseller reseller, TopUpGateways gateways, FundingOptions options, ILoggerFactory loggers,
        CancellationToken ct)
    {
        var amountText = form["amount"];
        var gatewayText = form["gateway"];
        if (amountText is null || gatewayText is null)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Missing required parameters.", amountText is null ? "amount" : "gateway");
        }
        if (!Money.TryParsePositive(amountText, out var amount))
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid amount.", "amount");
        }
        if (TopUpCodes.ParseGateway(gatewayText) is not { } gateway)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, new JsonObject
            {
                ["error"] = "Invalid gateway.",
                ["allowed_gateway"] = new JsonArray(gateways.OfferedCodes.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
            });
        }
        var (customer, returnUrl, clientIp, fieldError) = ReadCustomer(form);
        if (fieldError is not null)
        {
            return fieldError;
        }

        if (FundingPublicUrl.For(http, options) is not { } publicBase)
        {
            LogNoPublicBaseUrl(loggers.CreateLogger(typeof(WalletApi).FullName!), TopUpCodes.GatewayCodes[gateway]);
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "This payment gateway is not available.");
        }
        var result = await gateways.StartAsync(new TopUpStartRequest(reseller.Id, reseller.Name, gateway, amount, customer, returnUrl,
            "reseller", clientIp ?? http.Connection.RemoteIpAddress?.ToString()), publicBase, ct);
        return Answer(result, gateway);
    }

    /// <summary>The payment page to send the customer to, or why there is none.</summary>
    private static IResult Answer(TopUpStartResult result, FundingGateway gateway) =>
        result.Error switch
        {
            TopUpStartError.None => ResellerResults.Reply(StatusCodes.Status200OK, new JsonObject
            {
                ["success"] = true,
                ["topup_id"] = result.TopUp!.Reference,
                ["payment_url"] = result.TopUp.PaymentUrl,
                ["amount"] = Money.Format(result.TopUp.Amount),
                ["gateway"] = TopUpCodes.GatewayCodes[gateway],
                ["status"] = TopUpCodes.ResellerStatus(result.TopUp.Status),
            }),
            TopUpStartError.AmountOutOfRange => ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, new JsonObject
            {
                ["error"] = "Invalid amount.",
                ["field"] = "amount",
                ["min_amount"] = Money.Format(result.MinAmount!.Value),
                ["max_amount"] = Money.Format(result.MaxAmount!.Value),
            }),
            TopUpStartError.GatewayUnavailable => ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "This payment gateway is not available."),
            _ => ResellerResults.Error(StatusCodes.Status502BadGateway, new JsonObject
            {
                ["error"] = "The payment gateway could not start the payment. Try again later.",
                ["topup_id"] = result.TopUp?.Reference,
                ["gateway_message"] = result.Message,
            }),
        };

    /// <summary>
    /// The optional customer details of add_fund. <c>client_ip</c> is the paying customer's address as the reseller saw it
    /// (shurjoPay wants the customer's, not the reseller server's).
    /// </summary>
    public static (TopUpCustomer Customer, string? ReturnUrl, string? ClientIp, IResult? Error) ReadCustomer(ResellerForm form)
    {
        var name = form["customer_name"];
        var phone = form["customer_phone"];
        var email = form["customer_email"];
        var address = form["customer_address"];
        var city = form["customer_city"];
        var postCode = form["customer_post_code"];
        var clientIp = form["client_ip"];
        var returnUrl = form["return_url"];
        IResult Invalid(string field) => ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, $"Invalid {field}.", field);
        if (name is { Length: > 100 })
        {
            return (null!, null, null, Invalid("customer_name"));
        }
        if (phone is not null && !PhonePattern().IsMatch(phone))
        {
            return (null!, null, null, Invalid("customer_phone"));
        }
        if (email is not null && (email.Length > 200 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email))
        {
            return (null!, null, null, Invalid("customer_email"));
        }
        if (address is { Length: > 200 } || city is { Length: > 100 })
        {
            return (null!, null, null, Invalid(address is { Length: > 200 } ? "customer_address" : "customer_city"));
        }
        if (returnUrl is not null && !TopUpCodes.IsSafeReturnUrl(returnUrl))
        {
            return (null!, null, null, Invalid("return_url"));
        }
        if (postCode is not null && !PostCodePattern().IsMatch(postCode))
        {
            return (null!, null, null, Invalid("customer_post_code"));
        }
        if (clientIp is not null && !IsClientIp(clientIp))
        {
            return (null!, null, null, Invalid("client_ip"));
        }
        return (new TopUpCustomer(name, phone, email, address, city, postCode), returnUrl, clientIp, null);
    }

    /// <summary>
    /// A canonical dotted-quad IPv4 address (four decimal parts 0-255, no leading zeros) or an IPv6 address (hex digits,
    /// ':' and an embedded dotted quad; no zone, brackets or port). IPAddress.TryParse alone also takes "1.2", "0x7f.1"
    /// and "127.1" for 127.0.0.1.
    /// </summary>
    public static bool IsClientIp(string text)
    {
        if (text.Contains(':'))
        {
            return text.Length <= 45 && text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
                   && System.Net.IPAddress.TryParse(text, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }
        return DottedQuad().IsMatch(text);
    }

    [GeneratedRegex(@"\A(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\z", RegexOptions.CultureInvariant)]
    private static partial Regex DottedQuad();

    [LoggerMessage(Level = LogLevel.Warning, Message = "add_fund via {Gateway} refused: " + FundingPublicUrl.NotConfigured)]
    private static partial void LogNoPublicBaseUrl(ILogger logger, string gateway);

    [GeneratedRegex(@"\A\+?[0-9]{6,15}\z", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"\A[A-Za-z0-9 -]{3,12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex PostCodePattern();
}
