using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Hosting;

/// <summary>Tests that read counters as deltas: nothing else in the process may issue or introspect meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "alone";
}

/// <summary><c>GET /metrics</c>: what a flow adds to each counter, and nothing in a label that names a tenant or a secret.</summary>
[Collection(Alone.Name)]
public sealed partial class MetricsTests
{
    [Fact]
    public async Task AFullFlow_Scraped_IsCountedAndNoLabelNamesATenantClientSecretOrToken()
    {
        // Arrange
        await using var factory = new TokenServiceFactory();
        using var api = factory.CreateServiceClient("127.0.0.1");
        var org = await api.CreateOrgAsync();
        await api.CreateAppUserAsync(org, "sandbox", "quinn");
        await api.CreateAdminAsync(org, "ursula", "admin-password");
        var server = await api.CreateResourceServerAsync(org, "api");
        var before = Parse(await ScrapeAsync(api));

        // Act
        var first = await api.GetTokenAsync(org.Sandbox);
        var second = await api.GetTokenAsync(org.Sandbox);
        var userAnswer = await api.PasswordTokenAsync($"/{org.Name}/sandbox/token", "quinn");
        var user = userAnswer.GetProperty("access_token").GetString()!;
        using var refreshed = await api.PostFormAsync($"/{org.Name}/sandbox/token", null,
            ("grant_type", "refresh_token"), ("refresh_token", userAnswer.GetProperty("refresh_token").GetString()!));
        var portal = await PortalForms.SignInLocationAsync(factory, "ursula", "admin-password", "127.0.0.1");
        Assert.True(await api.IsActiveAsync(org.Client, first));
        Assert.False(await api.IsActiveAsync(org.Client, "not-a-token"));
        Assert.False(await api.IsActiveAsync(server, "nor-this-one")); // a secret not seen yet: OpenIddict's path answers
        using var revoke = await api.RevokeAsync(org.Client, second);
        using var wrongSecret = await api.RequestTokenAsync(org.Sandbox with { ClientSecret = "wrong-secret" });
        using var oversized = await api.Http.PostAsync("/token", new ByteArrayContent(new byte[128 * 1024]));
        var text = await ScrapeAsync(api);
        var after = Parse(text);

        // Assert
        double Delta(string name, params string[] labels) => Sum(after, name, labels) - Sum(before, name, labels);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Equal(2, Delta("tokenservice_tokens_issued_total", "grant=client_credentials", "principal_type=app_client"));
        Assert.Equal(1, Delta("tokenservice_tokens_issued_total", "grant=password", "principal_type=app_user"));
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal(1, Delta("tokenservice_tokens_issued_total", "grant=refresh_token", "principal_type=app_user"));
        Assert.Equal("/portal", portal);
        Assert.Equal(1, Delta("tokenservice_tokens_issued_total", "grant=password", "principal_type=admin_user"));
        Assert.Equal(1, Delta("tokenservice_introspections_total", "active=true"));
        Assert.Equal(2, Delta("tokenservice_introspections_total", "active=false"));
        Assert.Equal(1, Delta("tokenservice_revocations_total", "kind=token"));
        Assert.Equal(1, Delta("tokenservice_authentication_failures_total", "kind=client"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal(1, Delta("tokenservice_refusals_total", "reason=body_size"));
        Assert.Equal(1, Delta("http_server_request_duration_seconds_count", "http_route=/token", "http_response_status_code=413")); // a refusal keeps its route
        Assert.True(Delta("tokenservice_commit_batch_size_count") >= 1, "no group commit measured");
        Assert.True(Delta("tokenservice_commit_duration_seconds_count") >= 1, "no commit duration measured");
        Assert.True(Delta("tokenservice_audit_events_total") >= 4, "audit events not counted");
        Assert.True(Sum(after, "http_server_request_duration_seconds_count") > 0, "ASP.NET Core's request metrics are missing");
        foreach (var route in new[] { "/token", "/introspect", "/revoke", "/{org}/{app}/token", "/portal/signin", "/metrics" })
        {
            // Answered outside routing (OpenIddict, the lean path, the Usergrid paths), still told apart by route.
            Assert.True(Delta("http_server_request_duration_seconds_count", $"http_route={route}") > 0, $"no requests measured for {route}");
        }

        foreach (var secretOrName in new[] { org.Name, server.ClientId, server.ClientSecret, org.Client.ClientId, org.Client.ClientSecret, org.Sandbox.ClientId, org.Sandbox.ClientSecret, "quinn", "user-password", "ursula", "admin-password", first, second, user })
        {
            Assert.DoesNotContain(secretOrName, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CacheLookups_OfIntrospectionsOnTheLeanPath_AreCountedOncePerRequest()
    {
        // Arrange: the resource server's secret is verified once, on OpenIddict's path; its next calls take the lean path.
        await using var factory = new TokenServiceFactory();
        using var api = factory.CreateServiceClient("127.0.0.1");
        var org = await api.CreateOrgAsync();
        var server = await api.CreateResourceServerAsync(org, "api");
        string[] tokens = [await api.GetTokenAsync(org.Sandbox), await api.GetTokenAsync(org.Sandbox)];
        Assert.False(await api.IsActiveAsync(server, "not-a-token"));
        var before = Parse(await ScrapeAsync(api));

        // Act: each token introspected twice: the first read misses the cache (and reads the row), the second finds it.
        foreach (var token in tokens)
        {
            Assert.True(await api.IsActiveAsync(server, token));
            Assert.True(await api.IsActiveAsync(server, token));
        }

        var after = Parse(await ScrapeAsync(api));

        // Assert
        double Delta(string result) =>
            Sum(after, "tokenservice_cache_lookups_total", "cache=validated_tokens", $"result={result}") -
            Sum(before, "tokenservice_cache_lookups_total", "cache=validated_tokens", $"result={result}");
        // Four lookups, one per request; an entry may go stale (one second) between two calls on a slow machine, and
        // a miss then replaces a hit, but the total stays four (it was six when the lean path counted a miss twice).
        Assert.Equal(4, Delta("miss") + Delta("hit"));
        Assert.InRange(Delta("miss"), 2, 4);
    }

    [Fact]
    public async Task Refusals_ForBruteForceAndRateLimit_AreCountedByReason()
    {
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?>
        {
            ["BruteForce:MaxFailuresPerIdentity"] = "2",
            ["RateLimits:CredentialPerSecond"] = "1",
        });
        using var api = factory.CreateServiceClient("127.0.0.1");
        var org = await api.CreateOrgAsync();
        var before = Parse(await ScrapeAsync(api));

        // Two wrong secrets lock the client at this address; the third attempt is refused before its secret is read.
        var wrong = org.Sandbox with { ClientSecret = "wrong-secret" };
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var response = await api.RequestTokenAsync(wrong);
            statuses.Add(response.StatusCode);
        }

        // The org client's budget is one request a second: of three calls in a row, one or two (if a second turned
        // between them) are refused, and each refusal is counted once.
        var limited = 0;
        for (var call = 0; call < 3; call++)
        {
            using var response = await api.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}", ServiceClient.BasicOf(org.Client));
            limited += response.StatusCode == HttpStatusCode.TooManyRequests ? 1 : 0;
        }

        var after = Parse(await ScrapeAsync(api));

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        Assert.InRange(limited, 1, 2);
        Assert.Equal(1, Sum(after, "tokenservice_refusals_total", "reason=brute_force") - Sum(before, "tokenservice_refusals_total", "reason=brute_force"));
        Assert.Equal(limited, Sum(after, "tokenservice_refusals_total", "reason=rate_limit") - Sum(before, "tokenservice_refusals_total", "reason=rate_limit"));
    }

    [Fact]
    public async Task Refusals_AnsweredInTheirOwnWords_AreCountedAsBruteForce()
    {
        // Arrange: two failures lock an identity at an address; the app client is locked here from the start.
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?> { ["BruteForce:MaxFailuresPerIdentity"] = "2" });
        using var api = factory.CreateServiceClient("127.0.0.1");
        var org = await api.CreateOrgAsync();
        await api.CreateAdminAsync(org, "kim", "admin-password");
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var failed = await api.RequestTokenAsync(org.Sandbox with { ClientSecret = "wrong-secret" });
        }

        // Read from this host's own meter, not the scrape: in a warmed test process the scrape once lost the whole
        // TokenService meter between two reads of this test (about one run in three of this class with others; cause
        // not found — OpenTelemetry merges same-named meters of every live host in the process into one stream).
        var refusals = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var ours = factory.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, ours) && instrument.Name == "tokenservice.refusals")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                refusals.Enqueue((string)tag.Value!);
            }
        });
        listener.Start();

        // Act: the portal's form, locked at its third wrong password, answers with a redirect; the access check, given
        // the locked client's real credentials, answers 200 allowed:false.
        var signIns = new List<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            signIns.Add(await PortalForms.SignInLocationAsync(factory, "kim", "wrong-password", "127.0.0.1"));
        }

        using var check = await api.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.BasicOf(org.Client),
            new { org = org.Name, app = "sandbox", client_id = org.Sandbox.ClientId, client_secret = org.Sandbox.ClientSecret });
        var body = await check.Content.ReadAsStringAsync();

        // A request is counted as it leaves the pipeline, which may be just after its answer reached the client.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (refusals.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        // Assert
        Assert.Equal(["/portal/signin?error=invalid", "/portal/signin?error=invalid"], signIns.Take(2));
        Assert.StartsWith("/portal/signin?error=locked", signIns[2], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.Contains("\"allowed\":false", body, StringComparison.Ordinal);
        Assert.Equal(["brute_force", "brute_force"], refusals);
    }

    [Fact]
    public async Task GrafanaDashboard_QueriesOnlyMetricsTheServiceServes()
    {
        // Arrange: a flow that moves every counter the dashboard shows (a refusal and a revocation included).
        await using var factory = new TokenServiceFactory();
        using var api = factory.CreateServiceClient("127.0.0.1");
        var org = await api.CreateOrgAsync();
        var token = await api.GetTokenAsync(org.Sandbox);
        Assert.True(await api.IsActiveAsync(org.Client, token));
        using var revoke = await api.RevokeAsync(org.Client, token);
        using var wrong = await api.RequestTokenAsync(org.Sandbox with { ClientSecret = "wrong-secret" });
        using var oversized = await api.Http.PostAsync("/token", new ByteArrayContent(new byte[128 * 1024]));
        var dashboard = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "deploy", "grafana", "tokenservice.json")));

        // Act
        var served = Parse(await ScrapeAsync(api)).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var queried = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!)
            .SelectMany(expr => MetricName().Matches(expr).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        // Assert
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.True(queried.Count >= 8, "the dashboard queries too little");
        Assert.DoesNotContain(queried, name => !served.Contains(name));
    }

    [Fact]
    public async Task Metrics_FromAnAddressNotAllowed_Is404()
    {
        await using var factory = new TokenServiceFactory();
        using var stranger = factory.CreateServiceClient("203.0.113.9");
        using var local = factory.CreateServiceClient("127.0.0.1");

        using var refused = await stranger.Http.GetAsync("/metrics");
        using var allowed = await local.Http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("203.0.113.9", HttpStatusCode.NotFound)]
    [InlineData("198.51.100.4", HttpStatusCode.OK)]
    public async Task Metrics_ThroughATrustedProxy_AreJudgedByTheForwardedClientsAddress(string client, HttpStatusCode expected)
    {
        // Arrange: the proxy's own address is allowed (it may scrape), but it relays requests from anyone.
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?>
        {
            ["Transport:TrustedProxies:0"] = "10.0.0.1",
            ["Metrics:AllowedAddresses:0"] = "198.51.100.4",
        });
        using var proxy = factory.CreateServiceClient("10.0.0.1");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", client);

        // Act
        using var response = await proxy.Http.SendAsync(request);

        // Assert
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_FromAnAddressTheOperatorAllows_AreServed()
    {
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?> { ["Metrics:AllowedAddresses:0"] = "198.51.100.4" });
        using var scraper = factory.CreateServiceClient("198.51.100.4");

        using var response = await scraper.Http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The metric names in a PromQL expression (functions are followed by "(", labels sit inside braces).</summary>
    [GeneratedRegex(@"\b(tokenservice|http_server|dotnet|kestrel)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TokenService.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("TokenService.sln not found above the test binaries.");
    }

    private static async Task<string> ScrapeAsync(ServiceClient client)
    {
        using var response = await client.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Every sample: its name, its labels as "key=value", its value.</summary>
    private static List<(string Name, HashSet<string> Labels, double Value)> Parse(string text) =>
        [.. text.Split('\n').Select(line => Sample().Match(line)).Where(m => m.Success).Select(m => (
            m.Groups["name"].Value,
            Label().Matches(m.Groups["labels"].Value).Select(l => $"{l.Groups[1].Value}={l.Groups[2].Value}").ToHashSet(),
            double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))];

    private static double Sum(List<(string Name, HashSet<string> Labels, double Value)> samples, string name, params string[] labels) =>
        samples.Where(s => s.Name == name && labels.All(s.Labels.Contains)).Sum(s => s.Value);

    // Label values may hold braces (a route template): a quoted value is read whole.
    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>(?:[^}""]|""(?:[^""\\]|\\.)*"")*)\})? (?<value>[-+0-9.eE]+|NaN|[+-]Inf)")]
    private static partial Regex Sample();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();
}
