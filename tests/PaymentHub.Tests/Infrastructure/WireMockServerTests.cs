using System.Text;
using System.Text.Json.Nodes;

namespace PaymentHub.Tests.Infrastructure;

public sealed class WireMockServerTests
{
    [Fact]
    public async Task Mapping_files_load_under_a_test_prefix_and_the_journal_counts_with_a_json_matcher()
    {
        var server = await WireMockServer.GetAsync();
        var scope = server.NewScope("harness");
        await server.LoadMappingsAsync("Stubs/Iak", new Dictionary<string, string> { ["__PREFIX__"] = scope.Prefix },
            include: name => name is "pricelist" or "checkstatus-pending");
        using var http = new HttpClient();
        using var reply = await http.PostAsync($"{scope.BaseUrl}/api/v1/bill/check",
            new StringContent("""{"commands":"checkstatus","username":"u","ref_id":"R1","sign":"s"}""", Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!;
        Assert.Equal(3, body["data"]!["status"]!.GetValue<int>());

        Assert.Equal(1, await server.CountRequestsAsync(new JsonObject
        {
            ["method"] = "POST",
            ["url"] = $"/{scope.Prefix}/api/v1/bill/check",
            ["bodyPatterns"] = new JsonArray(new JsonObject { ["matchesJsonPath"] = "$[?(@.ref_id == 'R1')]" }),
        }));
        Assert.Equal(0, await server.CountRequestsAsync("POST", $"/{scope.Prefix}/api/v1/bill/check", "pricelist-pasca"));
        // Another test's prefix sees none of it.
        Assert.Equal(0, await server.NewScope("other").CountAsync("/api/v1/bill/check"));
    }
}
