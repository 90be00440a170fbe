namespace PaymentHub.Funding;

/// <summary>What made PaymentHub ask a gateway about a top-up, or credit it: shown in the credit journal and the log.</summary>
public enum FundingSource
{
    /// <summary>The customer's browser came back from the payment page.</summary>
    Return,

    /// <summary>The customer left shurjoPay's page by its cancel button (which proves nothing, so it is verified too).</summary>
    Cancel,

    /// <summary>shurjoPay's instant payment notification.</summary>
    Ipn,

    /// <summary>The background <see cref="TopUpWatcher"/>; for shurjoPay it asks <c>payment-status</c> instead of <c>verification</c>.</summary>
    Watcher,

    /// <summary>An operator's recheck (<c>POST /admin/v1/topups/{id}/recheck</c>).</summary>
    Operator,

    /// <summary>An operator's approval (<c>POST /admin/v1/topups/{id}/approve</c>): credited without the gateway's word.</summary>
    Approval,
}
