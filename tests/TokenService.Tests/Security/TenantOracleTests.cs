using System.Text;
using TokenService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenService.Tests.Security;

/// <summary>
/// A stranger — no credentials, or credentials that fail — learns nothing about which organizations and applications
/// exist: on every path reachable without credentials, an unknown org, an unknown app of a real org, and a real
/// secured app get the same status and the same body.
/// </summary>
[Collection(SharedHost.Name)]
public sealed class TenantOracleTests(TokenServiceFactory factory, ITestOutputHelper output)
{
    [Fact]
    public async Task UnauthenticatedPaths_UnknownOrgUnknownAppAndRealSecuredApp_AnswerAlike()
    {
        // Arrange: a real org with a secured app that has a user.
        using var client = factory.CreateServiceClient("192.0.2.91");
        var org = await client.CreateOrgAsync();
        await client.CreateAppAsync(org, "vault");
        await client.CreateAppUserAsync(org, "vault", "dora");
        var tenants = new[] { (org.Name, "vault"), (org.Name, "no-such-app"), ("no-such-org-" + Guid.NewGuid().ToString("N")[..8], "vault") };
        var probes = new (string Name, Func<string, string, HttpRequestMessage> Build)[]
        {
            ("sign up", (o, a) => Json(HttpMethod.Post, $"/{o}/{a}/users", "{\"username\":\"eve\",\"password\":\"eve-password-1\"}")),
            ("list users", (o, a) => new HttpRequestMessage(HttpMethod.Get, $"/{o}/{a}/users")),
            ("read a user", (o, a) => new HttpRequestMessage(HttpMethod.Get, $"/{o}/{a}/users/dora")),
            ("read me", (o, a) => new HttpRequestMessage(HttpMethod.Get, $"/{o}/{a}/users/me")),
            ("read the app", (o, a) => new HttpRequestMessage(HttpMethod.Get, $"/{o}/{a}")),
            ("change the app", (o, a) => Json(HttpMethod.Put, $"/{o}/{a}", "{\"accesstokenttl\":1000}")),
            ("revoke a user's tokens", (o, a) => new HttpRequestMessage(HttpMethod.Put, $"/{o}/{a}/users/dora/revoketokens")),
            ("password grant, GET", (o, a) => new HttpRequestMessage(HttpMethod.Get, $"/{o}/{a}/token?grant_type=password&username=dora&password=wrong-one")),
            ("password grant, JSON", (o, a) => Json(HttpMethod.Post, $"/{o}/{a}/token", "{\"grant_type\":\"password\",\"username\":\"dora\",\"password\":\"wrong-one\"}")),
            ("client credentials, no client", (o, a) => Json(HttpMethod.Post, $"/{o}/{a}/token", "{\"grant_type\":\"client_credentials\"}")),
            ("management read", (o, a) => new HttpRequestMessage(HttpMethod.Get, $"/management/orgs/{o}/apps/{a}")),
            ("management users", (o, a) => new HttpRequestMessage(HttpMethod.Get, $"/management/orgs/{o}/apps/{a}/users")),
        };

        // Act
        var differences = new List<string>();
        foreach (var (name, build) in probes)
        {
            var answers = new List<string>();
            foreach (var (o, a) in tenants)
            {
                using var request = build(o, a);
                using var response = await client.Http.SendAsync(request);
                var body = (await response.Content.ReadAsStringAsync()).Replace(o, "{org}", StringComparison.Ordinal).Replace(a, "{app}", StringComparison.Ordinal);
                answers.Add($"{(int)response.StatusCode} {body}");
            }

            output.WriteLine($"{name}: {answers[0]}");
            if (answers.Distinct().Count() > 1)
            {
                differences.Add($"{name}:\n  real secured app: {answers[0]}\n  unknown app:      {answers[1]}\n  unknown org:      {answers[2]}");
            }
        }

        // Assert
        Assert.True(differences.Count == 0, "Paths that tell a stranger which tenants exist:\n" + string.Join("\n", differences));
    }

    private static HttpRequestMessage Json(HttpMethod method, string path, string json) =>
        new(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
