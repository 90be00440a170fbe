namespace PaymentHub.Fulfilment;

/// <summary>What the biller says is due, asked before anything is charged.</summary>
public abstract record BillInquiryOutcome
{
    private BillInquiryOutcome() { }

    public sealed record Answered(string CustomerName, string Period, decimal Nominal, decimal Admin, decimal Price) : BillInquiryOutcome;

    /// <summary>The biller refused the inquiry (unknown customer, nothing due…); <paramref name="ResponseCode"/> is its own code.</summary>
    public sealed record Refused(string Message, string? ResponseCode) : BillInquiryOutcome;

    /// <summary>No usable answer (the upstream is down, pending, or its reply had no price).</summary>
    public sealed record NoAnswer : BillInquiryOutcome;
}

/// <summary>A bill connector that can also ask the biller what is due (reseller <c>bill_inquiry</c>); found through <see cref="ConnectorRegistry"/>.</summary>
public interface IBillInquiry
{
    /// <summary>The connector name services are bound to.</summary>
    string Name { get; }

    Task<BillInquiryOutcome> InquireAsync(string productCode, string customerNumber, CancellationToken ct);
}
