using System.Net;
using System.Net.Sockets;
using System.Text;
using PaymentHub.Tests.Infrastructure;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace PaymentHub.Tests.Connectors.Iak;

/// <summary>A run does not accumulate fake upstreams: a disposed harness stops its own WireMock and leaves other tests' alone.</summary>
public sealed class IakHarnessCleanupTests
{
    [Fact]
    public async Task Disposing_the_harness_stops_its_wiremock_with_its_stubs_scenarios_and_requests_and_leaves_other_tests_alone()
    {
        await using var neighbour = await WireMockScope.StartAsync("neighbour");
        await neighbour.StubAsync("Stubs/Iak", "pricelist");
        using var http = new HttpClient();
        using (var reply = await PostAsync(http, neighbour.BaseUrl, "pricelist-pasca"))
        {
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        }

        string baseUrl;
        await using (var t = await IakHarness.StartAsync("cleanup", "pay-success"))
        {
            baseUrl = t.Iak.BaseUrl;
            // A scenario stub, and one added straight to the server (as other harnesses do) under the prefix.
            await t.StubAsync("inquiry-pending-then-success", ("__RC__", "39"), ("__MESSAGE__", "PENDING"));
            t.Iak.Given(Request.Create().UsingGet().WithPath(new RegexMatcher($"^/{t.Iak.Prefix}/receipt/.*")))
                .RespondWith(Response.Create().WithStatusCode(200));
            var final = await t.WaitForFinalAsync(await t.SubmitAsync());
            Assert.Equal("Success", final["status"]!.GetValue<string>());
            Assert.Equal(4, t.Iak.Server.Mappings.Count());
            Assert.Equal(3, t.Iak.Requests.Count);
        }

        // Nothing answers where the harness's upstream was: its stubs, scenario state and journal went with its server.
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(http, baseUrl, "inq-pasca"));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException).SocketErrorCode);

        // The neighbour's stub and its journal are untouched, and it still answers.
        Assert.Single(neighbour.Server.Mappings);
        Assert.Equal(1, await neighbour.CountAsync(IakHarness.CheckPath));
        using (var reply = await PostAsync(http, neighbour.BaseUrl, "pricelist-pasca"))
        {
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        }
        Assert.Equal(2, await neighbour.CountAsync(IakHarness.CheckPath));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string baseUrl, string command) =>
        http.PostAsync($"{baseUrl}{IakHarness.CheckPath}",
            new StringContent($$"""{"commands":"{{command}}","username":"u","sign":"s"}""", Encoding.UTF8, "application/json"));
}
