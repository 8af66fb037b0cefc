using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenService.Tests.Security;

/// <summary>
/// Every principal type of one tenant against every read and write of another: management, Usergrid paths, token
/// paths, introspection, revocation, the access check and the audit log. None may succeed, and the other tenant must
/// be exactly as it was. (The permission matrix pins exact statuses; this test sweeps for any leak at all.)
/// </summary>
[Collection(SharedHost.Name)]
public sealed class TenantIsolationTests(TokenServiceFactory factory, ITestOutputHelper output) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task EveryPrincipalOfOneTenant_EveryCrossTenantReadAndWrite_FindsNothing()
    {
        // Arrange: tenant A's principals, tenant B's resources.
        var a = await _client.CreateOrgAsync();
        var aApp = await _client.CreateAppAsync(a, "shop");
        var aServer = await _client.CreateResourceServerAsync(a, "api");
        await _client.CreateAppUserAsync(a, "shop", "alice");
        var aAdmin = ServiceClient.UniqueName("adm")[..20];
        await _client.CreateAdminAsync(a, aAdmin);

        var b = await _client.CreateOrgAsync();
        var bApp = await _client.CreateAppAsync(b, "shop");
        var bServer = await _client.CreateResourceServerAsync(b, "api");
        await _client.CreateAppUserAsync(b, "shop", "bob");
        var bAdmin = ServiceClient.UniqueName("adm")[..20];
        await _client.CreateAdminAsync(b, bAdmin);
        var bToken = await _client.GetTokenAsync(bApp);
        var bUserToken = await _client.AppUserTokenAsync(b, "shop", "bob");

        var principals = new Dictionary<string, AuthenticationHeaderValue>
        {
            ["org client"] = ServiceClient.BasicOf(a.Client),
            ["org client token"] = ServiceClient.Bearer(await _client.GetTokenAsync(a.Client)),
            ["app client"] = ServiceClient.BasicOf(aApp),
            ["app client token"] = ServiceClient.Bearer(await _client.GetTokenAsync(aApp)),
            ["sandbox client"] = ServiceClient.BasicOf(a.Sandbox),
            ["resource server"] = ServiceClient.BasicOf(aServer),
            ["app user token"] = ServiceClient.Bearer(await _client.AppUserTokenAsync(a, "shop", "alice")),
            ["admin user token"] = ServiceClient.Bearer(await _client.AdminTokenAsync(aAdmin)),
        };

        var o = b.Name;
        (string Method, string Path, object? Body)[] management =
        [
            ("GET", $"/management/orgs/{o}", null), ("PUT", $"/management/orgs/{o}", new { accesstokenttl = 1000 }),
            ("DELETE", $"/management/orgs/{o}", null), ("GET", $"/management/orgs/{o}/credentials", null),
            ("POST", $"/management/orgs/{o}/credentials", null), ("POST", $"/management/orgs/{o}/revoketokens", null),
            ("GET", $"/management/orgs/{o}/apps", null), ("POST", $"/management/orgs/{o}/apps", new { name = "intruder" }),
            ("GET", $"/management/orgs/{o}/apps/shop", null), ("PUT", $"/management/orgs/{o}/apps/shop", new { accesstokenttl = 1000, secured = false }),
            ("DELETE", $"/management/orgs/{o}/apps/shop", null), ("GET", $"/management/orgs/{o}/apps/shop/credentials", null),
            ("POST", $"/management/orgs/{o}/apps/shop/credentials", null), ("POST", $"/management/orgs/{o}/apps/shop/revoketokens", null),
            ("GET", $"/management/orgs/{o}/apps/shop/users", null), ("POST", $"/management/orgs/{o}/apps/shop/users", new { username = "intruder", password = "intruder-password" }),
            ("GET", $"/management/orgs/{o}/apps/shop/users/bob", null), ("PUT", $"/management/orgs/{o}/apps/shop/users/bob", new { password = "taken-over" }),
            ("DELETE", $"/management/orgs/{o}/apps/shop/users/bob", null), ("POST", $"/management/orgs/{o}/apps/shop/users/bob/revoketokens", null),
            ("GET", $"/management/orgs/{o}/resource-servers", null), ("POST", $"/management/orgs/{o}/resource-servers", new { name = "intruder" }),
            ("DELETE", $"/management/orgs/{o}/resource-servers/api", null), ("GET", $"/management/orgs/{o}/users", null),
            ("POST", $"/management/orgs/{o}/users/{ServiceClient.UniqueName("x")}", null), ("DELETE", $"/management/orgs/{o}/users/{bAdmin}", null),
            ("GET", $"/management/orgs/{o}/audit", null), ("GET", $"/management/users/{bAdmin}", null),
            ("PUT", $"/management/users/{bAdmin}", new { password = "taken-over" }), ("POST", $"/management/users/{bAdmin}/revoketokens", null),
            ("GET", $"/{o}/shop", null), ("PUT", $"/{o}/shop", new { accesstokenttl = 1000 }), ("GET", $"/{o}/shop/users", null),
            ("POST", $"/{o}/shop/users", new { username = "intruder2", password = "intruder-password" }), ("GET", $"/{o}/shop/users/bob", null),
            ("PUT", $"/{o}/shop/users/bob", new { password = "taken-over" }), ("DELETE", $"/{o}/shop/users/bob", null),
            ("PUT", $"/{o}/shop/users/bob/revoketokens", null),
            ("POST", "/access/check", new { org = o, app = "shop", access_token = bToken }),
        ];

        var before = await SnapshotAsync(b, bApp, bServer, bToken, bUserToken);
        var leaks = new List<string>();
        var tried = 0;

        // Act: every management and Usergrid path of B with every principal of A.
        foreach (var (principal, auth) in principals)
        {
            foreach (var (method, path, body) in management)
            {
                using var response = await _client.SendAsync(new HttpMethod(method), path, auth, body);
                tried++;

                // A refusal, and only a refusal: 401, 403 or 404. A success leaks; a 500 (or any other answer) is a fault.
                var allowedAnswer = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound ||
                                    (path == "/access/check" && response.StatusCode == HttpStatusCode.OK &&
                                     !(await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("allowed").GetBoolean());
                if (!allowedAnswer)
                {
                    leaks.Add($"{principal}: {method} {path} -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }

            // Introspection and revocation of B's tokens: inactive, and nothing revoked.
            if (auth.Scheme == "Basic")
            {
                foreach (var token in (string[])[bToken, bUserToken])
                {
                    using var introspection = await _client.PostFormAsync("/introspect", auth, ("token", token));
                    var answer = await introspection.Content.ReadAsStringAsync();
                    tried++;

                    // Exactly {"active":false}: no claim, no hint that the token exists.
                    var members = JsonSerializer.Deserialize<JsonElement>(answer).EnumerateObject().Select(m => $"{m.Name}={m.Value.GetRawText()}").ToList();
                    if (introspection.StatusCode != HttpStatusCode.OK || members is not ["active=false"])
                    {
                        leaks.Add($"{principal}: introspected B's token as {(int)introspection.StatusCode} {answer}");
                    }

                    using var revocation = await _client.PostFormAsync("/revoke", auth, ("token", token));
                    tried++;
                    if (revocation.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest))
                    {
                        leaks.Add($"{principal}: revocation of B's token answered {(int)revocation.StatusCode}");
                    }
                }
            }
        }

        // A's user and admin signing in on B's paths; A's client credentials on B's app path.
        foreach (var (path, username, password) in ((string, string, string)[])
                 [($"/{o}/shop/token", "alice", "user-password"), ($"/{o}/sandbox/token", "alice", "user-password")])
        {
            using var signIn = await _client.PostFormAsync(path, null, ("grant_type", "password"), ("username", username), ("password", password));
            tried++;
            if (signIn.IsSuccessStatusCode)
            {
                leaks.Add($"A's user signed in on {path}");
            }
        }

        using (var clientOnForeignPath = await _client.PostFormAsync($"/{o}/shop/token", ServiceClient.BasicOf(aApp), ("grant_type", "client_credentials")))
        {
            tried++;
            if (clientOnForeignPath.IsSuccessStatusCode)
            {
                leaks.Add("A's app client obtained a token on B's app path");
            }
        }

        // Assert: nothing succeeded, and B is exactly as it was.
        output.WriteLine($"{tried} cross-tenant requests by {principals.Count} principal types.");
        Assert.True(leaks.Count == 0, string.Join('\n', leaks));
        Assert.Equal(before, await SnapshotAsync(b, bApp, bServer, bToken, bUserToken));

        // B's people still sign in with the passwords they had: no write of A's changed them.
        Assert.False(string.IsNullOrEmpty(await _client.AppUserTokenAsync(b, "shop", "bob")));
        Assert.False(string.IsNullOrEmpty(await _client.AdminTokenAsync(bAdmin)));
    }

    /// <summary>Everything of tenant B that a cross-tenant write could alter.</summary>
    private async Task<string> SnapshotAsync(TestOrg b, Credentials bApp, Credentials bServer, string bToken, string bUserToken)
    {
        async Task<string> ReadAsync(string path)
        {
            using var response = await _client.SendAsync(HttpMethod.Get, path, ServiceClient.Superuser);
            var text = await response.Content.ReadAsStringAsync();
            return $"{(int)response.StatusCode}:{text}";
        }

        var parts = new List<string>
        {
            await ReadAsync($"/management/orgs/{b.Name}"),
            await ReadAsync($"/management/orgs/{b.Name}/apps"),
            await ReadAsync($"/management/orgs/{b.Name}/apps/shop/users"),
            await ReadAsync($"/management/orgs/{b.Name}/resource-servers"),
            await ReadAsync($"/management/orgs/{b.Name}/users"),
            await ReadAsync($"/management/orgs/{b.Name}/credentials"),
            await ReadAsync($"/management/orgs/{b.Name}/apps/shop/credentials"),
            (await _client.IsActiveAsync(bServer, bToken)).ToString(),
            (await _client.IsActiveAsync(bServer, bUserToken)).ToString(),
            (await _client.GetTokenAsync(bApp)).Length > 0 ? "app works" : "app broken",
        };
        return string.Join('\n', parts);
    }

    public void Dispose() => _client.Dispose();
}
