namespace PaymentHub.Tests.Connectors.Iak;

public sealed class IakBillInquiryTests(IakFixture iak) : IClassFixture<IakFixture>
{
    [Fact]
    public async Task Bill_inquiry_answers_what_is_due_and_charges_nothing()
    {
        await using var t = await iak.StartAsync("bill_inquiry", "inquiry-success");
        var (status, body) = await t.Shop.BillAsync("bill_inquiry", ("provider_id", IakHarness.Id(t.ProviderId)),
            ("service_id", IakHarness.Id(t.ServiceId)), ("meter_number", "530000000001"));
        Assert.Equal(200, status);
        Assert.True(body["success"]!.GetValue<bool>());
        Assert.Equal("RAHMAT HIDAYAT", body["customer_name"]!.GetValue<string>());
        Assert.Equal("202604", body["period"]!.GetValue<string>());
        Assert.Equal("300000.00", body["bill_amount"]!.GetValue<string>());
        Assert.Equal("2500.00", body["admin_fee"]!.GetValue<string>());
        Assert.Equal("302500.00", body["total_amount"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 0, statusChecks: 0);
    }

    [Fact]
    public async Task Bill_inquiry_relays_a_billers_refusal_as_422()
    {
        await using var t = await iak.StartAsync("bill_inquiry_rc14", "inquiry-rc14");
        var (status, body) = await t.Shop.BillAsync("bill_inquiry", ("provider_id", IakHarness.Id(t.ProviderId)),
            ("service_id", IakHarness.Id(t.ServiceId)), ("meter_number", "530000000005"));
        Assert.Equal(422, status);
        Assert.Contains("INCORRECT DESTINATION NUMBER", body["error"]!.GetValue<string>());
        Assert.Equal("14", body["response_code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bill_inquiry_answers_502_when_the_biller_does_not_answer()
    {
        await using var t = await iak.StartAsync("bill_inquiry_down");
        var (status, body) = await t.Shop.BillAsync("bill_inquiry", ("provider_id", IakHarness.Id(t.ProviderId)),
            ("service_id", IakHarness.Id(t.ServiceId)), ("meter_number", "530000000001"));
        Assert.Equal(502, status);
        Assert.NotNull(body["error"]);
    }

    [Fact]
    public async Task Bill_inquiry_is_refused_for_a_service_on_another_connector()
    {
        await using var t = await iak.StartAsync("bill_inquiry_sandbox");
        var (providerId, serviceId) = await t.App.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number", provider: "DESCO");
        var (status, body) = await t.Shop.BillAsync("bill_inquiry", ("provider_id", IakHarness.Id(providerId)),
            ("service_id", IakHarness.Id(serviceId)), ("meter_number", "123456789"));
        Assert.Equal(422, status);
        Assert.Equal("Bill inquiry is not available for this service.", body["error"]!.GetValue<string>());
        await t.AssertCallsAsync(inquiries: 0, payments: 0, statusChecks: 0);
    }

    [Fact]
    public async Task The_connector_registry_lists_iak_when_it_is_configured()
    {
        await using var t = await iak.StartAsync("registry");
        // The service created by the harness was accepted with connector "iak"; an unknown connector is refused.
        using var admin = t.App.Admin();
        var response = await admin.PostAsync($"/admin/v1/providers/{t.ProviderId}/services", new StringContent(
            """{"name":"X","logo":"x.png","module_fields":["meter_number"],"min_amount":10,"max_amount":100,"fee":0,"commission":0,"connector":"nope"}""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)response.StatusCode);
    }
}
