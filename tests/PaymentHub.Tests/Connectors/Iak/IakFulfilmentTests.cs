using Microsoft.EntityFrameworkCore;
using PaymentHub.Bills;

namespace PaymentHub.Tests.Connectors.Iak;

public sealed class IakFulfilmentTests(IakFixture iak) : IClassFixture<IakFixture>
{
    [Fact]
    public async Task Happy_path_inquires_pays_once_and_completes_with_the_billers_noref()
    {
        await using var t = await iak.StartAsync("happy", "inquiry-success", "pay-success");
        var orderNumber = await t.SubmitAsync();

        var final = await t.WaitForFinalAsync(orderNumber);
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("0B7D21F4A9C3E5D61820FF3A77C1E902", final["token_number"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 0);

        // The documented signatures, and the order number (letters and digits only) as ref_id.
        var refId = new string(orderNumber.Where(char.IsAsciiLetterOrDigit).ToArray());
        Assert.Equal(1, await t.Iak.CountAsync(IakHarness.CheckPath, $"\"ref_id\":\"{refId}\",\"sign\":\"{IakHarness.Sign(refId)}\""));
        Assert.Equal(1, await t.Iak.CountAsync(IakHarness.CheckPath, $"\"tr_id\":\"48213377\",\"sign\":\"{IakHarness.Sign("48213377")}\""));
    }

    [Fact]
    public async Task A_payment_success_with_an_empty_noref_takes_iaks_tr_id_as_the_token()
    {
        await using var t = await iak.StartAsync("empty_noref", "inquiry-success", "pay-success-empty-noref", "checkstatus-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("48213377", final["token_number"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 0);
    }

    [Fact]
    public async Task Numbers_sent_as_strings_and_an_empty_desc_are_read_the_same()
    {
        await using var t = await iak.StartAsync("strings", "inquiry-success-strings", "pay-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 0);
    }

    [Fact]
    public async Task A_price_that_differs_from_the_order_cancels_and_refunds_without_paying()
    {
        await using var t = await iak.StartAsync("price_differs", "inquiry-success", "pay-success");
        var orderNumber = await t.SubmitAsync(amount: 300_000m);

        var final = await t.WaitForFinalAsync(orderNumber);
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Contains("302500.00", final["cancel_note"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 0, statusChecks: 0);
    }

    [Fact]
    public async Task Pending_rc_39_on_payment_is_resolved_by_checkstatus_success()
    {
        await using var t = await iak.StartAsync("rc39_success", "inquiry-success", "pay-rc39", "checkstatus-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("5C1E0A7B33D94F2A8E61B0D4C7F29A15", final["token_number"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 1);
        Assert.Equal(1, await t.Iak.CountAsync(IakHarness.CheckPath, $"\"sign\":\"{IakHarness.Sign("cs")}\""));
    }

    [Fact]
    public async Task Pending_rc_39_then_checkstatus_failed_cancels_and_refunds()
    {
        await using var t = await iak.StartAsync("rc39_failed", "inquiry-success", "pay-rc39", "checkstatus-failed");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Equal("PEMBAYARAN GAGAL", final["cancel_note"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 1);
    }

    [Fact]
    public async Task Checkstatus_saying_the_payment_was_never_received_cancels_and_refunds()
    {
        await using var t = await iak.StartAsync("rc42", "inquiry-success", "pay-500", "checkstatus-not-received");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Contains("REQUEST PEMBAYARAN BELUM DITERIMA", final["cancel_note"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 1);
    }

    [Fact]
    public async Task Payment_not_received_is_not_believed_before_the_grace_period_has_passed()
    {
        // A world of its own: the order is still being checked when the test ends.
        await using var t = await IakHarness.StartAsync("rc42_grace",
            new Dictionary<string, string?> { ["Connectors:Iak:NotReceivedGraceSeconds"] = "600" },
            "inquiry-success", "pay-500", "checkstatus-not-received");
        var orderNumber = await t.SubmitAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await t.StatusChecksAsync() < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.True(await t.StatusChecksAsync() >= 2);
        Assert.Equal("Processing", (await t.Shop.BillAsync("status_check", ("order_number", orderNumber))).Body["status"]!.GetValue<string>());
        Assert.Equal(1, await t.PaymentsAsync());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
    }

    [Fact]
    public async Task A_checkstatus_that_stays_in_process_keeps_the_order_processing_and_never_pays_again()
    {
        // A world of its own: the order is still being checked when the test ends.
        await using var t = await IakHarness.StartAsync("rc39_stuck", "inquiry-success", "pay-rc39", "checkstatus-pending");
        var orderNumber = await t.SubmitAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await t.StatusChecksAsync() < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal("Processing", (await t.Shop.BillAsync("status_check", ("order_number", orderNumber))).Body["status"]!.GetValue<string>());
        Assert.True(await t.StatusChecksAsync() >= 2);
        Assert.Equal(1, await t.PaymentsAsync());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        var stage = await t.App.WithDbAsync(db => db.BillOrders.Where(o => o.OrderNumber == orderNumber).Select(o => o.Stage).SingleAsync());
        Assert.Equal(Fulfilment.BillStage.Checking, stage);
    }

    [Fact]
    public async Task A_final_failure_code_on_payment_cancels_and_refunds_without_checkstatus()
    {
        await using var t = await iak.StartAsync("pay_rc14", "inquiry-success", "pay-rc14", "checkstatus-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Equal("INCORRECT DESTINATION NUMBER", final["cancel_note"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 0);
    }

    [Fact]
    public async Task An_invalid_signature_reply_rc_100_cancels_and_refunds_without_paying()
    {
        await using var t = await iak.StartAsync("rc100", "inquiry-rc100", "pay-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Equal("INVALID SIGNATURE", final["cancel_note"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 0, statusChecks: 0);
    }

    [Fact]
    public async Task Inquiry_server_errors_are_retried_then_the_bill_is_paid_once()
    {
        await using var t = await iak.StartAsync("inq_retry", "inquiry-500-twice-then-success", "pay-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        // 500, 503, then the answer: two retries inside one attempt of the worker.
        await t.AssertCallsAsync(inquiries: 3, payments: 1, statusChecks: 0);
        Assert.Equal(BillOrderStatus.Success, await t.App.WithDbAsync(db => db.BillOrders.Where(o => o.ResellerId == t.Shop.Id).Select(o => o.Status).SingleAsync()));
    }
}

public sealed class IakRecoveryTests(IakFixture iak) : IClassFixture<IakFixture>
{
    [Fact]
    public async Task An_html_inquiry_reply_and_one_with_wrong_types_are_classified_and_asked_again_later()
    {
        await using var t = await iak.StartAsync("inq_garbage", "inquiry-html-then-wrong-types-then-success", "pay-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        // A 200 that cannot be read is not retried inside the call; the worker asks again on its next attempts.
        await t.AssertCallsAsync(inquiries: 3, payments: 1, statusChecks: 0);
    }

    [Fact]
    public async Task An_http_400_on_payment_is_a_refusal_cancelled_and_refunded_without_checkstatus()
    {
        await using var t = await iak.StartAsync("pay_400", "inquiry-success", "pay-400", "checkstatus-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Equal("PRODUCT TEMPORARILY OUT OF SERVICE", final["cancel_note"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 0);
    }

    [Fact]
    public async Task An_order_left_at_the_paying_checkpoint_by_a_crash_is_resumed_by_checkstatus_and_never_paid_again()
    {
        await using var t = await iak.StartAsync("crash_resume", "inquiry-success", "pay-success", "checkstatus-success");
        // A manual order is not picked up by the worker; it is then turned into what a crashed instance leaves behind:
        // an IAK order whose "paying" checkpoint was committed, with the payment's outcome lost.
        var (providerId, serviceId) = await t.App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", max: 1_000_000m, provider: "Crashed");
        var (_, body) = await t.Shop.BillAsync("submit", ("provider_id", IakHarness.Id(providerId)), ("service_id", IakHarness.Id(serviceId)),
            ("amount", "302500"), ("meter_number", "530000000001"));
        var orderNumber = body["order_number"]!.GetValue<string>();
        var refId = new string(orderNumber.Where(char.IsAsciiLetterOrDigit).ToArray());
        await using (var connection = new Npgsql.NpgsqlConnection(t.App.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                "UPDATE bill_orders SET connector = 'iak', connector_product_code = 'PLNPOSTPAID', stage = 'Paying', upstream_ref = @ref, " +
                "upstream_state = @state, next_attempt_at = now() AT TIME ZONE 'utc' WHERE order_number = @order", connection);
            command.Parameters.AddWithValue("ref", refId);
            command.Parameters.AddWithValue("state", $$"""{"TrId":"48213377","RefId":"{{refId}}"}""");
            command.Parameters.AddWithValue("order", orderNumber);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var final = await t.WaitForFinalAsync(orderNumber);
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("5C1E0A7B33D94F2A8E61B0D4C7F29A15", final["token_number"]!.GetValue<string>());
        await t.AssertCallsAsync(inquiries: 0, payments: 0, statusChecks: 1);
        Assert.Equal(1, await t.Iak.CountAsync(IakHarness.CheckPath, $"\"ref_id\":\"{refId}\""));
    }
}
