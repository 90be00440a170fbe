using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Admin;

/// <summary>Admin JSON takes an amount as a number or as a string in the reseller API's grammar; replies are always numbers.</summary>
public sealed class AdminAmountTests(GatewayFixture fixture) : GatewayTest(fixture, "admin_amounts"), IClassFixture<GatewayFixture>
{
    private async Task<(int Status, JsonNode Body, string? MediaType)> PostJsonAsync(string path, string json)
    {
        using var admin = App.Admin();
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await admin.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text)!, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_credit_given_as_a_number_or_as_a_string_moves_the_same_money_and_replies_with_numbers()
    {
        var shop = await App.CreateResellerAsync(0m, "Amount Shop");
        var path = $"/admin/v1/resellers/{shop.Id}/wallet/credits";

        var (numberStatus, numberReply, _) = await PostJsonAsync(path, """{"amount": 100.5, "note": "number"}""");
        Assert.Equal(200, numberStatus);
        var (stringStatus, stringReply, _) = await PostJsonAsync(path, """{"amount": "100.00", "note": "string"}""");
        Assert.Equal(200, stringStatus);
        var (zeroStatus, _, _) = await PostJsonAsync(path, """{"amount": "0.50"}""");
        Assert.Equal(200, zeroStatus);

        Assert.Equal(System.Text.Json.JsonValueKind.Number, numberReply["balance"]!.GetValueKind());
        Assert.Equal(System.Text.Json.JsonValueKind.Number, stringReply["balance"]!.GetValueKind());
        Assert.Equal("100.50", numberReply["balance"]!.ToJsonString());
        Assert.Equal("200.50", stringReply["balance"]!.ToJsonString());
        Assert.Equal(201.00m, await shop.BalanceAsync());
        var credits = await App.WithDbAsync(db => db.LedgerJournals
            .CountAsync(j => j.Kind == PaymentHub.Ledger.JournalKind.OperatorCredit && db.LedgerEntries.Any(e => e.JournalId == j.Id
                && db.LedgerAccounts.Any(a => a.Id == e.AccountId && a.ResellerId == shop.Id))));
        Assert.Equal(3, credits);
        await App.AssertLedgerOkAsync();
    }

    [Theory]
    [InlineData("\"1e3\"")]
    [InlineData("\"١٠٠\"")]
    [InlineData("\" 100\"")]
    [InlineData("\"100 \"")]
    [InlineData("\"100.001\"")]
    [InlineData("\"-5\"")]
    [InlineData("\"+5\"")]
    [InlineData("\"1,000\"")]
    [InlineData("\"0100\"")]
    [InlineData("\"\"")]
    [InlineData("\"NaN\"")]
    [InlineData("true")]
    [InlineData("[100]")]
    [InlineData("{\"value\": 100}")]
    [InlineData("1e400")]
    public async Task An_amount_outside_the_grammar_is_a_400_problem_naming_the_field_and_changes_nothing(string amount)
    {
        var shop = await App.CreateResellerAsync(50m, "Strict Shop");
        var (status, body, mediaType) = await PostJsonAsync($"/admin/v1/resellers/{shop.Id}/wallet/credits", $$"""{"amount": {{amount}}, "note": "x"}""");

        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Equal("Invalid amount", body["title"]!.GetValue<string>());
        Assert.Contains("'amount'", body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("System.", body.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(50m, await shop.BalanceAsync());
        await App.AssertLedgerOkAsync();
    }

    [Fact]
    public async Task A_negative_or_over_precise_number_is_refused_by_validation_not_by_the_reader()
    {
        var shop = await App.CreateResellerAsync(50m, "Number Shop");
        var path = $"/admin/v1/resellers/{shop.Id}/wallet/credits";
        foreach (var amount in new[] { "-5", "100.001", "0" })
        {
            var (status, body, mediaType) = await PostJsonAsync(path, $$"""{"amount": {{amount}}}""");
            Assert.Equal(400, status);
            Assert.Equal("application/problem+json", mediaType);
            Assert.Contains("amount", body.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(50m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task Gateway_limits_take_strings_too_and_name_the_bad_field()
    {
        var (okStatus, ok, _) = await AdminPutAsync("/admin/v1/funding-gateways/shurjopay",
            """{"is_enabled": false, "min_amount": "10.00", "max_amount": 25000, "fee_percent": "1.5", "fee_fixed": "0"}""");
        Assert.Equal(200, okStatus);
        Assert.Equal("10.00", ok["min_amount"]!.ToJsonString());
        Assert.Equal("25000.00", ok["max_amount"]!.ToJsonString());
        Assert.Equal("1.50", ok["fee_percent"]!.ToJsonString());

        var (badStatus, bad, _) = await AdminPutAsync("/admin/v1/funding-gateways/shurjopay",
            """{"is_enabled": false, "min_amount": "10.00", "max_amount": "25000", "fee_percent": "1.5", "fee_fixed": "-1"}""");
        Assert.Equal(400, badStatus);
        Assert.Contains("'fee_fixed'", bad["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private async Task<(int Status, JsonNode Body, string? MediaType)> AdminPutAsync(string path, string json)
    {
        using var admin = App.Admin();
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await admin.PutAsync(path, content);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!, response.Content.Headers.ContentType?.MediaType);
    }
}
