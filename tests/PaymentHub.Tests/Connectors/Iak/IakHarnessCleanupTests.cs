using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Connectors.Iak;

/// <summary>The shared WireMock does not accumulate a run's stubs and requests: a disposed harness takes its own away.</summary>
public sealed class IakHarnessCleanupTests
{
    [Fact]
    public async Task Disposing_the_harness_deletes_its_stubs_scenarios_and_requests_and_leaves_other_tests_alone()
    {
        var server = await WireMockServer.GetAsync();
        await using var neighbour = server.NewScope("neighbour");
        await neighbour.StubAsync("Stubs/Iak", "pricelist");
        using var http = new HttpClient();
        using (var reply = await PostAsync(http, neighbour.BaseUrl, "pricelist-pasca"))
        {
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        }

        string prefix;
        await using (var t = await IakHarness.StartAsync("cleanup", "pay-success"))
        {
            prefix = t.Iak.Prefix;
            // A scenario stub, and one added straight to the server (as other harnesses do) under the prefix.
            await t.StubAsync("inquiry-pending-then-success", ("__RC__", "39"), ("__MESSAGE__", "PENDING"));
            await server.AddMappingAsync(new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = "GET", ["urlPathPattern"] = $"/{prefix}/receipt/.*" },
                ["response"] = new JsonObject { ["status"] = 200 },
            }.ToJsonString());
            var final = await t.WaitForFinalAsync(await t.SubmitAsync());
            Assert.Equal("Success", final["status"]!.GetValue<string>());
            Assert.Equal(4, (await MappingsUnderAsync(http, server, prefix)).Count);
            Assert.Equal(3, await RequestsUnderAsync(server, prefix));
        }

        Assert.Empty(await MappingsUnderAsync(http, server, prefix));
        Assert.Equal(0, await RequestsUnderAsync(server, prefix));
        using var scenarios = await http.GetAsync($"{server.BaseUrl}/__admin/scenarios");
        Assert.DoesNotContain(prefix, await scenarios.Content.ReadAsStringAsync());
        using (var reply = await PostAsync(http, $"{server.BaseUrl}/{prefix}", "inq-pasca"))
        {
            Assert.Equal(HttpStatusCode.NotFound, reply.StatusCode);
        }
        // Cleaning up twice is harmless (and takes the 404 just journalled away).
        await server.RemoveUnderPrefixAsync(prefix);
        Assert.Equal(0, await RequestsUnderAsync(server, prefix));

        // The neighbour's stub and its journal are untouched.
        Assert.Single(await MappingsUnderAsync(http, server, neighbour.Prefix));
        Assert.Equal(1, await neighbour.CountAsync(IakHarness.CheckPath));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string baseUrl, string command) =>
        http.PostAsync($"{baseUrl}{IakHarness.CheckPath}",
            new StringContent($$"""{"commands":"{{command}}","username":"u","sign":"s"}""", Encoding.UTF8, "application/json"));

    private static async Task<List<JsonNode>> MappingsUnderAsync(HttpClient http, WireMockServer server, string prefix)
    {
        var all = await http.GetFromJsonAsync<JsonObject>($"{server.BaseUrl}/__admin/mappings");
        return all!["mappings"]!.AsArray().Where(m => m!["request"]!.ToJsonString().Contains($"/{prefix}/", StringComparison.Ordinal))
            .Select(m => m!).ToList();
    }

    private static Task<int> RequestsUnderAsync(WireMockServer server, string prefix) =>
        server.CountRequestsAsync(new JsonObject { ["urlPattern"] = $"/{prefix}/.*" });
}
