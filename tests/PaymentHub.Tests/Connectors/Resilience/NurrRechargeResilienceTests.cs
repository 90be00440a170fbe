using PaymentHub.Ledger;
using PaymentHub.Tests.Connectors.Nurr;
using PaymentHub.Tests.Infrastructure;
using static PaymentHub.Tests.Connectors.Nurr.NurrHarness;

namespace PaymentHub.Tests.Connectors.Resilience;

/// <summary>
/// The nurr upstream behind its own resilience pipeline: a recharge submit that may have reached the upstream is sent
/// exactly once, answered "Processing" and resolved by status_check; only a submit that provably never left (connection
/// refused, circuit open) or that the upstream refused is failed and refunded in the same request.
/// </summary>
[RunsLong(34)]
public sealed class NurrRechargeResilienceTests(NurrFixture nurr) : IClassFixture<NurrFixture>
{
    [Theory]
    [InlineData("delayed")]
    [InlineData("500")]
    [InlineData("502-html")]
    [InlineData("reset")]
    [InlineData("empty")]
    [InlineData("malformed")]
    public async Task An_unknown_submit_outcome_is_processing_sent_once_and_resolved_by_status_check(string fault)
    {
        await using var t = await nurr.StartAsync("rc_submit_" + fault.Replace('-', '_'), fault == "delayed" ? ShortAttemptTimeout() : null);
        await (fault switch
        {
            // Past the 1 s attempt timeout; the upstream still gets (and may carry out) the request.
            "delayed" => t.StubAsync(RechargePath, 200, RechargeReply("Success", "NURR-LATE"), delayMs: 5000),
            "500" => t.StubAsync(RechargePath, 500, """{"error":"Transaction failed."}"""),
            "502-html" => t.StubAsync(RechargePath, 502, Html502, "text/html"),
            "reset" => t.StubAsync(RechargePath, 200, null, fault: WireFault.ConnectionResetByPeer),
            "empty" => t.StubAsync(RechargePath, 200, null, fault: WireFault.EmptyResponse),
            _ => t.StubAsync(RechargePath, 200, """{"success":true,"status":"Succ"""),
        });
        await t.StubAsync(RechargeStatusPath, 200, RechargeReply("Success", "NURR-TXN-1"));

        var (status, body) = await t.RechargeAsync();
        Assert.Equal(200, status);
        Assert.Equal("Processing", body["status"]!.GetValue<string>());
        Assert.StartsWith("TST-", body["order_number"]!.GetValue<string>());
        Assert.Contains("do not resend it", body["message"]!.GetValue<string>());
        var orderNumber = body["order_number"]!.GetValue<string>();
        await t.AssertDebitedOnceAndNotRefundedAsync(orderNumber, StartBalance - RechargeDebit);
        // Never resent, by the pipeline or anyone else.
        await t.AssertCallsAsync(RechargePath, 1);
        await t.AssertCallsAsync(RechargeStatusPath, 0);

        var final = await t.FastForwardUntilAsync(() => t.RechargeStatusAsync(orderNumber), IsFinal);
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("NURR-TXN-1", final["operator_transaction_id"]!.GetValue<string>());
        await t.AssertDebitedOnceAndNotRefundedAsync(orderNumber, StartBalance - RechargeDebit);
        await t.AssertCallsAsync(RechargePath, 1);
        await t.AssertCallsAsync(RechargeStatusPath, 1);
    }

    [Fact]
    public async Task A_refused_connection_is_retried_then_failed_and_refunded_in_the_same_request()
    {
        // A world of its own: the upstream is a closed port.
        await using var t = await StartAsync("rc_refused", baseUrl: ClosedPortUrl());
        var (status, body) = await t.RechargeAsync();
        Assert.Equal(200, status);
        Assert.Equal("Failed", body["status"]!.GetValue<string>());
        Assert.False(body["success"]!.GetValue<bool>());
        Assert.StartsWith("The upstream could not be reached (HttpRequestException); nothing was sent.", body["failure_reason"]!.GetValue<string>());
        Assert.Equal(body["before_balance"]!.GetValue<string>(), body["after_balance"]!.GetValue<string>());
        Assert.Equal(StartBalance, await t.Shop.BalanceAsync());
        var orderNumber = body["order_number"]!.GetValue<string>();
        Assert.Equal(1, await t.JournalsAsync(JournalKind.RechargeRefund, orderNumber));
        // Nothing could have left, so the submit was tried again: once plus MaxRetries (2).
        Assert.Equal(3, t.Attempts.Count);
    }

    [Fact]
    public async Task A_submit_the_upstream_refuses_fails_with_its_reason_and_is_refunded_in_the_same_request()
    {
        await using var t = await nurr.StartAsync("rc_422");
        await t.StubAsync(RechargePath, 422, """{"error":"Invalid recharge amount."}""");
        var (status, body) = await t.RechargeAsync();
        Assert.Equal(200, status);
        Assert.Equal("Failed", body["status"]!.GetValue<string>());
        Assert.Equal("Upstream refused: Invalid recharge amount.", body["failure_reason"]!.GetValue<string>());
        Assert.Equal("1000.00", body["before_balance"]!.GetValue<string>());
        Assert.Equal("1000.00", body["after_balance"]!.GetValue<string>());
        Assert.Equal(StartBalance, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.JournalsAsync(JournalKind.RechargeRefund, body["order_number"]!.GetValue<string>()));
        await t.AssertCallsAsync(RechargePath, 1);
        await t.AssertCallsAsync(RechargeStatusPath, 0);
    }

    [Fact]
    public async Task A_status_query_is_safe_to_repeat_and_retried_within_one_pass()
    {
        await using var t = await nurr.StartAsync("rc_status_retry");
        await t.StubAsync(RechargePath, 500, """{"error":"Transaction failed."}""");
        await t.StubAsync(RechargeStatusPath, 502, Html502, "text/html", scenario: "status", newState: "up");
        await t.StubAsync(RechargeStatusPath, 200, RechargeReply("Success", "NURR-TXN-1"), scenario: "status", requiredState: "up");

        var orderNumber = await t.RechargeProcessingAsync();
        var final = await t.FastForwardUntilAsync(() => t.RechargeStatusAsync(orderNumber), IsFinal);
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        // Settled by the reconciler's first pass: the 502 was retried by the pipeline, not after a backoff.
        Assert.Equal(0, (await t.AdminRechargeAsync(orderNumber))["attempts"]!.GetValue<int>());
        await t.AssertCallsAsync(RechargeStatusPath, 2);
        await t.AssertCallsAsync(RechargePath, 1);
        await t.AssertDebitedOnceAndNotRefundedAsync(orderNumber, StartBalance - RechargeDebit);
    }

    [Fact]
    public async Task The_circuit_opens_on_a_failing_upstream_and_a_recharge_that_cannot_be_sent_is_refunded()
    {
        // A world of its own: its circuit breaker is what is tested.
        await using var t = await StartAsync("rc_breaker", new Dictionary<string, string?>
        {
            ["Connectors:Nurr:BreakerMinimumThroughput"] = "2",
            ["Connectors:Nurr:BreakerFailureRatio"] = "0.5",
            ["Connectors:Nurr:BreakerBreakSeconds"] = "3",
        });
        await t.StubAsync(RechargePath, 500, """{"error":"Transaction failed."}""");
        await t.StubAsync(RechargeStatusPath, 200, RechargeReply("Success", "NURR-TXN-1"));

        var first = await t.RechargeProcessingAsync();
        var second = await t.RechargeProcessingAsync();
        // Two failures out of two: the circuit is open, and this one never leaves.
        var (_, body) = await t.RechargeAsync();
        Assert.Equal("Failed", body["status"]!.GetValue<string>());
        Assert.StartsWith("The upstream could not be reached (BrokenCircuitException)", body["failure_reason"]!.GetValue<string>());
        Assert.Equal(1, await t.JournalsAsync(JournalKind.RechargeRefund, body["order_number"]!.GetValue<string>()));
        await t.AssertCallsAsync(RechargePath, 2);

        // Once the break is over, the unknown ones are resolved by status_check, each once.
        foreach (var orderNumber in new[] { first, second })
        {
            Assert.Equal("Success", (await Poll.UntilAsync(() => t.RechargeStatusAsync(orderNumber), IsFinal, seconds: 30))["status"]!.GetValue<string>());
            await t.AssertDebitedOnceAndNotRefundedAsync(orderNumber, StartBalance - 2 * RechargeDebit);
        }
        await t.AssertCallsAsync(RechargePath, 2);
        await t.AssertCallsAsync(RechargeStatusPath, 2);
    }
}
