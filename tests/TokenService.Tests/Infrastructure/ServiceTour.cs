using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TokenService.Maintenance;

namespace TokenService.Tests.Infrastructure;

/// <summary>
/// Every endpoint of the service once, with the outcomes that reach the database (lists paged by cursor, failures
/// counted, bulk revocations, pruning, deletions), each status checked. Run on another engine, it proves the
/// service's queries run there; captured on SQLite, it gives the query shapes that must translate to T-SQL.
/// </summary>
public static class ServiceTour
{
    public static async Task RunAsync(TokenServiceFactory factory)
    {
        using var client = factory.CreateServiceClient("198.51.100.7");
        var http = client.Http;
        async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
        {
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(status == response.StatusCode,
                    $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
                return text.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(text);
            }
        }

        // Tenants: an org with its first admin, a second app, a resource server; lists paged one item at a time.
        var orgName = ServiceClient.UniqueName("tour")[..30];
        var admin = "admin-" + orgName[5..];
        var created = await Expect(await client.SendAsync(HttpMethod.Post, "/management/orgs", ServiceClient.Superuser,
            new { organization = orgName, username = admin, email = admin + "@example.com", password = "admin-password" }), HttpStatusCode.Created);
        var orgClient = new Credentials(created.GetProperty("client_id").GetString()!, created.GetProperty("client_secret").GetString()!);
        var sandbox = created.GetProperty("sandbox");
        var sandboxClient = new Credentials(sandbox.GetProperty("client_id").GetString()!, sandbox.GetProperty("client_secret").GetString()!);
        var org = new TestOrg(orgName, orgClient, sandboxClient);
        var orgBasic = ServiceClient.BasicOf(orgClient);
        var shop = await client.CreateAppAsync(org, "shop");
        var rs = await client.CreateResourceServerAsync(org, "orders-api");
        await client.CreateResourceServerAsync(org, "spare-api");

        await Expect(await client.SendAsync(HttpMethod.Get, "/management/orgs?limit=1", ServiceClient.Superuser), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Put, $"/management/orgs/{orgName}", orgBasic, new { accesstokenttl = 3_600_000 }), HttpStatusCode.OK);
        var apps = await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/apps?limit=1", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/apps?limit=1&cursor={apps.GetProperty("cursor").GetString()}", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/apps/shop", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Put, $"/management/orgs/{orgName}/apps/shop", orgBasic, new { accesstokenttl = 7_200_000, secured = true }), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/{orgName}/shop", ServiceClient.BasicOf(shop)), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Put, $"/{orgName}/shop", ServiceClient.BasicOf(shop), new { accesstokenttl = 7_000_000 }), HttpStatusCode.OK);
        var servers = await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/resource-servers?limit=1", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/resource-servers?limit=1&cursor={servers.GetProperty("cursor").GetString()}", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Delete, $"/management/orgs/{orgName}/resource-servers/spare-api", orgBasic), HttpStatusCode.OK);

        // Credentials read and regenerated (revoking the old secret's tokens).
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/credentials", orgBasic), HttpStatusCode.OK);
        var shopToken = await client.GetTokenAsync(shop);
        var regenerated = await Expect(await client.SendAsync(HttpMethod.Post, $"/management/orgs/{orgName}/apps/shop/credentials?revoke_tokens=true", orgBasic), HttpStatusCode.OK);
        shop = new Credentials(shop.ClientId, regenerated.GetProperty("client_secret").GetString()!);
        Assert.False(await client.IsActiveAsync(orgClient, shopToken));
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/apps/shop/credentials", orgBasic), HttpStatusCode.OK);

        // Users: app users by the management and the Usergrid paths (a guest on the open sandbox), paged, read, changed.
        await client.CreateAppUserAsync(org, "shop", "alice");
        await client.CreateAppUserAsync(org, "shop", "bob");
        await Expect(await client.SendAsync(HttpMethod.Post, $"/{orgName}/sandbox/users", null, new { username = "carol", password = "carol-password" }), HttpStatusCode.OK);
        var users = await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/apps/shop/users?limit=1", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/apps/shop/users?limit=1&cursor={users.GetProperty("cursor").GetString()}", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/{orgName}/shop/users", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Put, $"/management/orgs/{orgName}/apps/shop/users/bob", orgBasic, new { name = "Bob B." }), HttpStatusCode.OK);

        // Tokens: every grant on every path.
        var appToken = await client.GetTokenAsync(shop);
        await Expect(await client.PostFormAsync("/token", null, ("grant_type", "client_credentials"), ("client_id", orgClient.ClientId), ("client_secret", orgClient.ClientSecret), ("ttl", "60000")), HttpStatusCode.OK);
        var password = await Expect(await client.RequestPasswordAsync(shop, "alice", "user-password"), HttpStatusCode.OK);
        await Expect(await client.PostFormAsync("/token", ServiceClient.BasicOf(shop), ("grant_type", "refresh_token"), ("refresh_token", password.GetProperty("refresh_token").GetString()!)), HttpStatusCode.OK);
        var alice = await client.AppUserTokenAsync(org, "shop", "alice");
        var carol = (await Expect(await http.GetAsync($"/{orgName}/sandbox/token?grant_type=password&username=carol&password=carol-password"), HttpStatusCode.OK))
            .GetProperty("access_token").GetString()!;
        var adminToken = await client.AdminTokenAsync(admin);
        await Expect(await client.SendAsync(HttpMethod.Post, $"/{orgName}/shop/token", null, new { grant_type = "client_credentials", client_id = shop.ClientId, client_secret = shop.ClientSecret }), HttpStatusCode.OK);

        // Failures that are counted and audited: a wrong client secret, a wrong password, a malformed and an unknown token.
        await Expect(await client.PostFormAsync("/token", ServiceClient.Basic(shop.ClientId, "wrong-secret"), ("grant_type", "client_credentials")), HttpStatusCode.Unauthorized);
        await Expect(await client.RequestPasswordAsync(shop, "alice", "wrong-password"), HttpStatusCode.BadRequest);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}", ServiceClient.Basic(orgClient.ClientId, "wrong-secret")), HttpStatusCode.Unauthorized);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/{orgName}/shop/users/me", ServiceClient.Bearer("not-a-token")), HttpStatusCode.Unauthorized);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/{orgName}/shop/users/me", ServiceClient.Bearer(new string('A', 43))), HttpStatusCode.Unauthorized);

        // Every credential form on a protected endpoint, and introspection from each kind of caller.
        await Expect(await client.SendAsync(HttpMethod.Get, $"/{orgName}/shop/users/me", ServiceClient.Bearer(alice)), HttpStatusCode.OK);
        await Expect(await http.GetAsync($"/{orgName}/sandbox/users/me?access_token={carol}"), HttpStatusCode.OK);
        await Expect(await http.GetAsync($"/{orgName}/shop/users/alice?client_id={shop.ClientId}&client_secret={Uri.EscapeDataString(shop.ClientSecret)}"), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/apps", ServiceClient.Bearer(adminToken)), HttpStatusCode.OK);
        Assert.True(await client.IsActiveAsync(rs, appToken));
        Assert.True(await client.IsActiveAsync(shop, alice));
        Assert.True(await client.IsActiveAsync(orgClient, carol));
        Assert.False(await client.IsActiveAsync(rs, new string('B', 43)));
        var check = await Expect(await client.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.BasicOf(rs),
            new { org = orgName, app = "shop", authorization = "Bearer " + alice }), HttpStatusCode.OK);
        Assert.True(check.GetProperty("allowed").GetBoolean());
        await Expect(await client.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.BasicOf(rs),
            new { org = orgName, app = "shop", client_id = shop.ClientId, client_secret = shop.ClientSecret }), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.BasicOf(rs), new { org = orgName, app = "sandbox" }), HttpStatusCode.OK);

        // Admin users: read, changed, member lists, tokens revoked.
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/users/{admin}", ServiceClient.Bearer(adminToken)), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Put, $"/management/users/{admin}", ServiceClient.Superuser, new { name = "Admin" }), HttpStatusCode.OK);
        await client.CreateAdminAsync(org, "second-" + orgName[5..]);
        var members = await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/users?limit=1", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/users?limit=1&cursor={members.GetProperty("cursor").GetString()}", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Delete, $"/management/orgs/{orgName}/users/second-{orgName[5..]}", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Post, $"/management/users/{admin}/revoketokens", ServiceClient.Superuser), HttpStatusCode.OK);

        // Revocation, one by one and in bulk.
        await Expect(await client.RevokeAsync(shop, appToken), HttpStatusCode.OK);
        Assert.False(await client.IsActiveAsync(rs, appToken));
        await Expect(await client.SendAsync(HttpMethod.Put, $"/{orgName}/shop/users/alice/revoketoken?token={alice}", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Put, $"/management/orgs/{orgName}/apps/shop/users/alice/revoketokens", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Post, $"/management/orgs/{orgName}/apps/sandbox/revoketokens", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Post, $"/management/orgs/{orgName}/revoketokens", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Put, $"/management/orgs/{orgName}/apps/shop/users/bob", orgBasic, new { activated = false }), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Delete, $"/{orgName}/shop/users/bob", orgBasic), HttpStatusCode.OK);

        // The audit log, paged.
        var audit = await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/audit?limit=2", orgBasic), HttpStatusCode.OK);
        Assert.Equal(2, audit.GetProperty("items").GetArrayLength());
        await Expect(await client.SendAsync(HttpMethod.Get, $"/management/orgs/{orgName}/audit?limit=2&cursor={audit.GetProperty("cursor").GetString()}", orgBasic), HttpStatusCode.OK);

        // Pruning, past every token's lifetime and the audit retention.
        await Expect(await client.PostFormAsync("/token", ServiceClient.BasicOf(shop), ("grant_type", "client_credentials"), ("ttl", "1000")), HttpStatusCode.OK);
        factory.Clock.Advance(TimeSpan.FromDays(100));
        Assert.True(await factory.Services.GetRequiredService<TokenPruner>().PruneOnceAsync(CancellationToken.None) > 0);

        // Deletions revoke what was issued under them.
        await Expect(await client.SendAsync(HttpMethod.Delete, $"/management/orgs/{orgName}/apps/shop", orgBasic), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Delete, $"/management/users/{admin}", ServiceClient.Superuser), HttpStatusCode.OK);
        await Expect(await client.SendAsync(HttpMethod.Delete, $"/management/orgs/{orgName}", ServiceClient.Superuser), HttpStatusCode.OK);
    }
}
