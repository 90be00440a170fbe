using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// The in-process WireMock.Net fakes (<see cref="WireMockScope"/>): stub files, the journal, isolation, and every wire
/// behaviour the upstream tests rely on, each checked from the client's side of a real loopback connection.
/// </summary>
public sealed class WireMockServerTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<WireMockScope> CallScopeAsync(string name, Func<IResponseBuilder, IResponseBuilder> response)
    {
        var scope = await WireMockScope.StartAsync(name);
        scope.Given(Request.Create().UsingPost().WithPath(new ExactMatcher($"/{scope.Prefix}/call")))
            .RespondWith(response(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"ok":true}""")));
        return scope;
    }

    /// <summary>Sends one raw HTTP/1.1 request and returns what came back before the connection ended, or how it failed.</summary>
    private static async Task<(byte[] Received, SocketError? Error)> RawPostAsync(WireMockScope scope, string path)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, new Uri(scope.ServerUrl).Port);
        var stream = client.GetStream();
        var request = $"POST /{scope.Prefix}{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
            return (received.ToArray(), null);
        }
        catch (IOException e) when (e.InnerException is SocketException socket)
        {
            return (received.ToArray(), socket.SocketErrorCode);
        }
    }

    [Fact]
    public async Task Mapping_files_load_under_the_test_prefix_and_the_journal_counts_each_request()
    {
        await using var scope = await WireMockScope.StartAsync("harness");
        await scope.StubAsync("Stubs/Iak", "pricelist", "checkstatus-pending");
        Assert.StartsWith("http://127.0.0.1:", scope.ServerUrl);
        using var http = new HttpClient();
        using var reply = await http.PostAsync($"{scope.BaseUrl}/api/v1/bill/check",
            Json("""{"commands":"checkstatus","username":"u","ref_id":"R1","sign":"s"}"""));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var body = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!;
        Assert.Equal(3, body["data"]!["status"]!.GetValue<int>());
        // The body matcher is on the command: another command under the same path is not answered by the checkstatus stub.
        using var other = await http.PostAsync($"{scope.BaseUrl}/api/v1/bill/check", Json("""{"commands":"pay-pasca","ref_id":"R2"}"""));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        // Without the prefix nothing matches either.
        using var unprefixed = await http.PostAsync($"{scope.ServerUrl}/api/v1/bill/check", Json("""{"commands":"checkstatus"}"""));
        Assert.Equal(HttpStatusCode.NotFound, unprefixed.StatusCode);

        Assert.Equal(1, scope.Count(r => r.Path == $"/{scope.Prefix}/api/v1/bill/check" && JsonNode.Parse(r.Body)!["ref_id"]?.GetValue<string>() == "R1"));
        Assert.Equal(2, await scope.CountAsync("/api/v1/bill/check"));
        Assert.Equal(1, await scope.CountAsync("/api/v1/bill/check", "\"commands\":\"checkstatus\""));
        Assert.Equal(0, await scope.CountAsync("/api/v1/bill/check", "pricelist-pasca"));
        Assert.Equal(3, scope.Requests.Count);
        Assert.Equal("application/json; charset=utf-8", scope.Requests[0].Header("content-type"));
    }

    [Fact]
    public async Task Each_scope_is_its_own_server_and_a_disposed_one_refuses_connections()
    {
        await using var first = await WireMockScope.StartAsync("first");
        var second = await WireMockScope.StartAsync("second");
        await first.StubAsync("Stubs/Iak", "pricelist");
        await second.StubAsync("Stubs/Iak", "pricelist");
        Assert.NotEqual(first.ServerUrl, second.ServerUrl);
        using var http = new HttpClient();
        using (var reply = await http.PostAsync($"{second.BaseUrl}/api/v1/bill/check", Json("""{"commands":"pricelist-pasca"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        }
        Assert.Equal(0, await first.CountAsync("/api/v1/bill/check"));
        Assert.Equal(1, await second.CountAsync("/api/v1/bill/check"));

        await second.DisposeAsync();
        await second.DisposeAsync();
        using var fresh = new HttpClient();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => fresh.PostAsync($"{second.BaseUrl}/api/v1/bill/check", Json("{}")));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException).SocketErrorCode);
        using (var reply = await http.PostAsync($"{first.BaseUrl}/api/v1/bill/check", Json("""{"commands":"pricelist-pasca"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        }
    }

    [Fact]
    public async Task An_empty_response_closes_the_connection_before_a_single_byte_and_the_request_is_journalled()
    {
        await using var scope = await CallScopeAsync("empty", r => r.WithWireFault(WireFault.EmptyResponse));
        var (received, error) = await RawPostAsync(scope, "/call");
        Assert.Null(error);
        Assert.Empty(received);

        using var http = new HttpClient();
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync($"{scope.BaseUrl}/call", Json("{}")));
        Assert.Equal(HttpRequestError.ResponseEnded, failure.HttpRequestError);
        Assert.Equal(2, await scope.CountAsync("/call"));
    }

    [Fact]
    public async Task A_connection_reset_by_peer_is_a_tcp_reset_before_any_byte_of_a_response()
    {
        await using var scope = await CallScopeAsync("reset", r => r.WithWireFault(WireFault.ConnectionResetByPeer));
        var (received, error) = await RawPostAsync(scope, "/call");
        Assert.Equal(SocketError.ConnectionReset, error);
        Assert.Empty(received);

        using var http = new HttpClient();
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync($"{scope.BaseUrl}/call", Json("{}")));
        var socket = failure.InnerException?.InnerException as SocketException ?? failure.InnerException as SocketException;
        Assert.Equal(SocketError.ConnectionReset, socket?.SocketErrorCode);
        Assert.Equal(2, await scope.CountAsync("/call"));
    }

    [Fact]
    public async Task A_delay_holds_the_answer_back_but_the_journal_and_the_scenario_move_on_arrival()
    {
        await using var scope = await WireMockScope.StartAsync("delay");
        var call = Request.Create().UsingPost().WithPath(new ExactMatcher($"/{scope.Prefix}/call"));
        scope.Given(call).InScenario("slow", null, "answered")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("late").WithWireDelay(1500));
        scope.Given(call).InScenario("slow", "answered", null)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("next"));

        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(400) };
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TaskCanceledException>(() => impatient.PostAsync($"{scope.BaseUrl}/call", Json("{}")));
        // Counted although no answer was sent, and the retry gets the next state's answer at once.
        Assert.Equal(1, await scope.CountAsync("/call"));
        using var http = new HttpClient();
        clock.Restart();
        using var reply = await http.PostAsync($"{scope.BaseUrl}/call", Json("{}"));
        Assert.Equal("next", await reply.Content.ReadAsStringAsync());
        Assert.True(clock.ElapsedMilliseconds < 1000, $"{clock.ElapsedMilliseconds} ms");

        // A patient client gets the delayed answer, no sooner than the delay.
        await using var again = await CallScopeAsync("delay-patient", r => r.WithWireDelay(700));
        clock.Restart();
        using var late = await http.PostAsync($"{again.BaseUrl}/call", Json("{}"));
        Assert.True(clock.ElapsedMilliseconds >= 650, $"{clock.ElapsedMilliseconds} ms");
        Assert.Equal("""{"ok":true}""", await late.Content.ReadAsStringAsync());
        Assert.False(late.Headers.Contains("X-Wire-Delay-Ms"));
    }

    [Fact]
    public async Task A_scenario_file_answers_500_then_503_then_success_and_stays_on_success()
    {
        await using var scope = await WireMockScope.StartAsync("scenario");
        await scope.StubAsync("Stubs/Iak", "inquiry-500-twice-then-success");
        using var http = new HttpClient();
        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var reply = await http.PostAsync($"{scope.BaseUrl}/api/v1/bill/check", Json("""{"commands":"inq-pasca","ref_id":"R1"}"""));
            statuses.Add((int)reply.StatusCode);
            if (reply.StatusCode == HttpStatusCode.OK)
            {
                Assert.Equal("00", JsonNode.Parse(await reply.Content.ReadAsStringAsync())!["data"]!["response_code"]!.GetValue<string>());
            }
            else
            {
                Assert.NotEqual("application/json", reply.Content.Headers.ContentType?.MediaType);
            }
        }
        Assert.Equal([500, 503, 200, 200], statuses);
    }

    [Fact]
    public async Task The_stub_added_last_wins_even_with_fewer_matchers_and_an_explicit_priority_beats_both()
    {
        await using var scope = await WireMockScope.StartAsync("order");
        await scope.StubAsync("Stubs/Iak", "inquiry-duplicate-ref-then-success");
        using var http = new HttpClient();
        async Task<string> AskAsync(string refId)
        {
            using var reply = await http.PostAsync($"{scope.BaseUrl}/api/v1/bill/check", Json($$"""{"commands":"inq-pasca","ref_id":"{{refId}}"}"""));
            return JsonNode.Parse(await reply.Content.ReadAsStringAsync())!["data"]!["response_code"]!.GetValue<string>();
        }
        // Priority 1 (ref id with an attempt suffix) over priority 5; the regex is anchored at both ends.
        Assert.Equal("00", await AskAsync("TST000000000000R1"));
        Assert.Equal("11", await AskAsync("TST000000000000"));
        Assert.Equal("11", await AskAsync("TST000000000000R1x"));

        var path = $"/{scope.Prefix}/verify";
        scope.Given(Request.Create().UsingPost().WithPath(new ExactMatcher(path)).WithHeader("Authorization", new ExactMatcher("Bearer k"))
                .WithBody(new JsonMatcher("""{"id":"T1"}""")))
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("first"));
        scope.Given(Request.Create().UsingPost().WithPath(new ExactMatcher(path)))
            .RespondWith(Response.Create().WithStatusCode(502).WithBody("later"));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{scope.ServerUrl}{path}") { Content = Json("""{"id":"T1"}""") };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer k");
        using var reply = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadGateway, reply.StatusCode);
        Assert.Equal("later", await reply.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bodies_are_sent_with_their_length_or_dribbled_in_chunks_and_content_types_pass_through_verbatim()
    {
        var body = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
        await using var whole = await CallScopeAsync("whole", r => r.WithBody(body).WithHeader("Content-Type", "application/json; charset=bogus-xx"));
        await using var dribbled = await CallScopeAsync("dribbled", r => r.WithBody(body).WithChunkedDribble(8, 400));
        using var http = new HttpClient();

        using (var reply = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{whole.BaseUrl}/call") { Content = Json("{}") },
                   HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(body.Length, reply.Content.Headers.ContentLength);
            Assert.NotEqual(true, reply.Headers.TransferEncodingChunked);
            Assert.Equal(["application/json; charset=bogus-xx"], reply.Content.Headers.GetValues("Content-Type"));
            Assert.Equal(body, await reply.Content.ReadAsByteArrayAsync());
        }

        var clock = Stopwatch.StartNew();
        using (var reply = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{dribbled.BaseUrl}/call") { Content = Json("{}") },
                   HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Null(reply.Content.Headers.ContentLength);
            Assert.True(reply.Headers.TransferEncodingChunked);
            Assert.Equal(body, await reply.Content.ReadAsByteArrayAsync());
        }
        Assert.True(clock.ElapsedMilliseconds >= 300, $"{clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task An_html_502_is_sent_as_it_is()
    {
        await using var scope = await WireMockScope.StartAsync("html");
        await scope.StubAsync("Stubs/Iak", "pay-502-html");
        using var http = new HttpClient();
        using var reply = await http.PostAsync($"{scope.BaseUrl}/api/v1/bill/check", Json("""{"commands":"pay-pasca"}"""));
        Assert.Equal(HttpStatusCode.BadGateway, reply.StatusCode);
        Assert.Equal("text/html", reply.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<html><head><title>502 Bad Gateway</title>", await reply.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Starting_and_stopping_a_scope_is_cheap()
    {
        var clock = Stopwatch.StartNew();
        const int Scopes = 5;
        for (var i = 0; i < Scopes; i++)
        {
            await using var scope = await WireMockScope.StartAsync("cheap");
            await scope.StubAsync("Stubs/Iak", "pricelist");
        }
        var each = clock.ElapsedMilliseconds / Scopes;
        Console.WriteLine($"WireMock.Net scope start+stop: {each} ms each");
        Assert.True(each < 2000, $"{each} ms per scope");
    }
}
