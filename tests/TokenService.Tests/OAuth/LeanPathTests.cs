using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using TokenService.OAuth.Lean;
using TokenService.Tests.Infrastructure;
using TokenService.Tokens;

namespace TokenService.Tests.OAuth;

/// <summary>
/// Two hosts on one database — the lean path on (the default) and off — whose clocks always show the same instant, so
/// that the same request made to each at the same moment must get the same answer.
/// </summary>
public sealed class LeanPathHosts : IAsyncLifetime
{
    private readonly string _database = Guid.NewGuid().ToString("N");

    public TokenServiceFactory Lean { get; private set; } = null!;

    public TokenServiceFactory Classic { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Lean = new TokenServiceFactory(_database, null);
        Classic = new TokenServiceFactory(_database, new Dictionary<string, string?> { ["LeanPath:Enabled"] = "false" });
        var now = (Lean.Clock.GetUtcNow() > Classic.Clock.GetUtcNow() ? Lean.Clock.GetUtcNow() : Classic.Clock.GetUtcNow()).AddSeconds(1);
        Lean.Clock.SetUtcNow(now);
        Classic.Clock.SetUtcNow(now);
        return Task.CompletedTask;
    }

    /// <summary>Moves both clocks together.</summary>
    public void Advance(TimeSpan span)
    {
        Lean.Clock.Advance(span);
        Classic.Clock.Advance(span);
    }

    public LeanPathCounters LeanCounters => Lean.Services.GetRequiredService<LeanPathCounters>();

    public async Task DisposeAsync()
    {
        await Lean.DisposeAsync();
        await Classic.DisposeAsync();
        TestDatabase.DeleteSqlite(_database);
    }
}

/// <summary>
/// The differential test of the lean path (issue 12): one corpus of protocol requests — auth methods, Basic encodings,
/// <c>ttl</c> values, every principal type and tenant, active, revoked, expired, garbage and foreign tokens — through
/// both paths, asserting the same status, body and the headers that matter (token values and <c>jti</c> masked; the
/// clocks are equal, so times are not). It also proves the lean path really answered what it should (its counters),
/// and that tokens it issued are indistinguishable from OpenIddict's to every other reader: the row, the signed
/// payload, the audit event, introspection, revocation, bulk revocation, expiry, the access check and bearer use.
/// </summary>
public sealed class LeanPathTests(LeanPathHosts hosts) : IClassFixture<LeanPathHosts>, IDisposable
{
    private static readonly string[] HeadersThatMatter =
        ["Content-Type", "Cache-Control", "Pragma", "Expires", "WWW-Authenticate", "Retry-After"];

    private readonly ServiceClient _lean = hosts.Lean.CreateServiceClient();
    private readonly ServiceClient _classic = hosts.Classic.CreateServiceClient();

    private sealed record Answer(HttpStatusCode Status, string Headers, string Body)
    {
        public override string ToString() => $"{(int)Status}\n{Headers}\n{Body}";
    }

    private sealed record Tenant(TestOrg Org, Credentials Shop, Credentials ResourceServer);

    private static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        var headers = new StringBuilder();
        foreach (var name in HeadersThatMatter)
        {
            if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
            {
                headers.Append(name).Append(": ").AppendJoin(", ", values).Append('\n');
            }
        }

        var body = await response.Content.ReadAsStringAsync();

        // What differs by nature between two tokens issued at the same instant: the token itself and its random jti.
        body = Regex.Replace(body, "\"(access_token|refresh_token)\": \"[^\"]+\"", "\"$1\": \"<token>\"");
        body = Regex.Replace(body, "\"jti\": \"[^\"]+\"", "\"jti\": \"<jti>\"");
        return new Answer(response.StatusCode, headers.ToString(), body);
    }

    /// <summary>The same request to both hosts at the same instant; asserts the answers are alike and returns both raw bodies.</summary>
    private async Task<(string Lean, string Classic)> SameAsync(string name, Func<ServiceClient, Task<HttpResponseMessage>> send)
    {
        using var lean = await send(_lean);
        using var classic = await send(_classic);
        var (leanBody, classicBody) = (await lean.Content.ReadAsStringAsync(), await classic.Content.ReadAsStringAsync());
        var (leanAnswer, classicAnswer) = (await ReadAsync(lean), await ReadAsync(classic));
        Assert.True(leanAnswer == classicAnswer, $"{name}\n--- lean ---\n{leanAnswer}\n--- OpenIddict ---\n{classicAnswer}");
        return (leanBody, classicBody);
    }

    private static string TokenOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;

    private static Task<HttpResponseMessage> Form(ServiceClient client, string path, AuthenticationHeaderValue? auth, params (string, string)[] fields) =>
        client.PostFormAsync(path, auth, fields);

    private static AuthenticationHeaderValue RawBasic(string raw) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)));

    private async Task<Tenant> CreateTenantAsync()
    {
        var org = await _classic.CreateOrgAsync();
        var shop = await _classic.CreateAppAsync(org, "shop");
        var server = await _classic.CreateResourceServerAsync(org, "api");

        // Org-client tokens never expire; the app's tokens live at most an hour.
        using var orgTtl = await _classic.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}", ServiceClient.BasicOf(org.Client), new { accesstokenttl = 0 });
        using var appTtl = await _classic.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/shop", ServiceClient.BasicOf(org.Client), new { accesstokenttl = 3_600_000 });
        Assert.Equal(HttpStatusCode.OK, orgTtl.StatusCode);
        Assert.Equal(HttpStatusCode.OK, appTtl.StatusCode);

        // Every client verified once on each host (OpenIddict's path): from then on the lean path may answer.
        foreach (var client in (Credentials[])[org.Client, org.Sandbox, shop])
        {
            await SameAsync("first token", c => c.RequestTokenAsync(client));
        }

        await SameAsync("first introspection", c => Form(c, "/introspect", ServiceClient.BasicOf(server), ("token", "warm-up")));
        await SameAsync("first superuser introspection", c => Form(c, "/introspect", ServiceClient.Superuser, ("token", "warm-up")));
        return new Tenant(org, shop, server);
    }

    [Fact]
    public async Task TokenCorpus_BothPaths_AnswerAlike_AndTheLeanPathAnswersExactlyTheWellFormedSuccesses()
    {
        // Arrange
        var tenant = await CreateTenantAsync();
        var (org, shop) = (tenant.Org, tenant.Shop);
        var basic = ServiceClient.BasicOf(shop);
        var grant = ("grant_type", "client_credentials");
        var corpus = new (string Name, bool Lean, Func<ServiceClient, Task<HttpResponseMessage>> Send)[]
        {
            ("app client, Basic", true, c => c.RequestTokenAsync(shop)),
            ("app client, body", true, c => Form(c, "/token", null, grant, ("client_id", shop.ClientId), ("client_secret", shop.ClientSecret))),
            ("org client (never expires)", true, c => c.RequestTokenAsync(org.Client)),
            ("sandbox app client", true, c => c.RequestTokenAsync(org.Sandbox)),
            ("ttl 1", true, c => c.RequestTokenAsync(shop, ("ttl", "1"))),
            ("ttl 1500 (rounded up in expires_in)", true, c => c.RequestTokenAsync(shop, ("ttl", "1500"))),
            ("ttl 0 (the maximum)", true, c => c.RequestTokenAsync(shop, ("ttl", "0"))),
            ("ttl at the maximum", true, c => c.RequestTokenAsync(shop, ("ttl", "3600000"))),
            ("ttl on a never-expiring org client", true, c => c.RequestTokenAsync(org.Client, ("ttl", "60000"))),
            ("Basic with the id percent-encoded", false, c => Form(c, "/token",
                RawBasic($"{shop.ClientId.Replace("_", "%5F", StringComparison.Ordinal)}:{shop.ClientSecret}"), grant)),
            ("Basic scheme in lower case", false, c => Form(c, "/token", new AuthenticationHeaderValue("basic", basic.Parameter), grant)),
            ("ttl above the maximum", false, c => c.RequestTokenAsync(shop, ("ttl", "3600001"))),
            ("ttl negative", false, c => c.RequestTokenAsync(shop, ("ttl", "-1"))),
            ("ttl not a number", false, c => c.RequestTokenAsync(shop, ("ttl", "soon"))),
            ("ttl twice", false, c => c.RequestTokenAsync(shop, ("ttl", "1000"), ("ttl", "2000"))),
            ("ttl empty", false, c => c.RequestTokenAsync(shop, ("ttl", ""))),
            ("a scope", false, c => c.RequestTokenAsync(shop, ("scope", "anything"))),
            ("an unknown parameter", false, c => c.RequestTokenAsync(shop, ("resource", "https://api.example"))),
            ("wrong secret", false, c => c.RequestTokenAsync(shop with { ClientSecret = "wrong-secret" })),
            ("unknown client", false, c => c.RequestTokenAsync(new Credentials("app_nobodyknowsthisone", "secret"))),
            ("Basic and body credentials together", false, c => Form(c, "/token", basic, grant, ("client_id", shop.ClientId))),
            ("body id without a secret", false, c => Form(c, "/token", null, grant, ("client_id", shop.ClientId))),
            ("resource server asking for a token", false, c => c.RequestTokenAsync(tenant.ResourceServer)),
            ("grant type twice", false, c => Form(c, "/token", basic, grant, grant)),
            ("unsupported grant type", false, c => Form(c, "/token", basic, ("grant_type", "urn:example:magic"))),
            ("no grant type", false, c => Form(c, "/token", basic)),
            ("query string on the token request", false, c => Form(c, "/token?x=1", basic, grant)),
            ("app user by password", false, async c =>
            {
                await EnsureUserAsync(org);
                return await c.RequestPasswordAsync(shop, "lena", "user-password");
            }),
        };
        var before = hosts.LeanCounters.Tokens;

        // Act / Assert: each request alike on both paths.
        foreach (var (name, _, send) in corpus)
        {
            await SameAsync(name, send);
        }

        // Assert: the lean path answered exactly the well-formed successes, OpenIddict everything else.
        Assert.Equal(corpus.Count(c => c.Lean), hosts.LeanCounters.Tokens - before);
        Assert.Equal(0, hosts.Classic.Services.GetRequiredService<LeanPathCounters>().Tokens);
    }

    private bool _userCreated;

    private async Task EnsureUserAsync(TestOrg org)
    {
        if (!_userCreated)
        {
            await _classic.CreateAppUserAsync(org, "shop", "lena");
            _userCreated = true;
        }
    }

    [Fact]
    public async Task TokensFromEitherPath_HaveTheSameRowPayloadAndAuditEvent()
    {
        // Arrange
        var tenant = await CreateTenantAsync();
        foreach (var (client, ttl) in new[] { (tenant.Shop, "1500"), (tenant.Shop, "0"), (tenant.Org.Client, "0") })
        {
            // Act: the same request to each path at the same instant.
            var before = hosts.LeanCounters.Tokens;
            var (leanBody, classicBody) = await SameAsync("token", c => c.RequestTokenAsync(client, ("ttl", ttl)));
            Assert.Equal(before + 1, hosts.LeanCounters.Tokens);

            // Assert
            await using var scope = hosts.Lean.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
            var rows = db.Set<OpenIddictEntityFrameworkCoreToken>().AsNoTracking();
            var lean = await rows.Include(t => t.Application).SingleAsync(t => t.ReferenceId == ReferenceTokens.Digest(TokenOf(leanBody)));
            var classic = await rows.Include(t => t.Application).SingleAsync(t => t.ReferenceId == ReferenceTokens.Digest(TokenOf(classicBody)));
            Assert.Equal(
                (classic.Application!.Id, classic.Authorization, classic.CreationDate, classic.ExpirationDate, classic.Properties, classic.RedemptionDate, classic.Status, classic.Subject, classic.Type),
                (lean.Application!.Id, lean.Authorization, lean.CreationDate, lean.ExpirationDate, lean.Properties, lean.RedemptionDate, lean.Status, lean.Subject, lean.Type));
            Assert.NotNull(lean.ConcurrencyToken);

            var (leanHeader, leanClaims) = Decode(lean.Payload!);
            var (classicHeader, classicClaims) = Decode(classic.Payload!);
            Assert.Equal(classicHeader, leanHeader);
            Assert.Equal(classicClaims.Select(c => c.Name), leanClaims.Select(c => c.Name));
            foreach (var ((name, expected), (_, actual)) in classicClaims.Zip(leanClaims))
            {
                // Each payload names its own row; jti is random.
                var expectedValue = name switch { "jti" => "<random>", "oi_tkn_id" when expected == classic.Id => "<own row>", _ => expected };
                var actualValue = name switch { "jti" => "<random>", "oi_tkn_id" when actual == lean.Id => "<own row>", _ => actual };
                Assert.True(expectedValue == actualValue, $"claim {name}: {actual} (lean) vs {expected} (OpenIddict)");
            }

            var events = await db.AuditEvents.AsNoTracking()
                .Where(e => e.Target == "token:" + lean.Id || e.Target == "token:" + classic.Id).ToListAsync();
            var leanEvent = Assert.Single(events, e => e.Target == "token:" + lean.Id);
            var classicEvent = Assert.Single(events, e => e.Target == "token:" + classic.Id);
            Assert.Equal(
                (classicEvent.At, classicEvent.Kind, classicEvent.Actor, classicEvent.OrganizationId, classicEvent.Address, classicEvent.Detail),
                (leanEvent.At, leanEvent.Kind, leanEvent.Actor, leanEvent.OrganizationId, leanEvent.Address, leanEvent.Detail));
        }
    }

    private static (string Header, List<(string Name, string Value)> Claims) Decode(string jwt)
    {
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        static string Text(string part) => Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(part));
        var claims = JsonDocument.Parse(Text(parts[1])).RootElement.EnumerateObject().Select(p => (p.Name, p.Value.ToString())).ToList();
        return (Text(parts[0]), claims);
    }

    [Fact]
    public async Task TokensFromEitherPath_ReadAlikeEverywhere_UntilRevokedOrExpired()
    {
        // Arrange: tokens of every principal type, from both paths, and callers of every kind.
        var tenant = await CreateTenantAsync();
        var (org, shop, server) = (tenant.Org, tenant.Shop, tenant.ResourceServer);
        var foreign = await CreateTenantAsync();
        var sibling = await _classic.CreateAppAsync(org, "sibling");
        await SameAsync("sibling's first token", c => c.RequestTokenAsync(sibling));
        await _classic.CreateAppUserAsync(org, "shop", "maya");
        await _classic.CreateAdminAsync(org, ServiceClient.UniqueName("admin"));

        var tokens = new List<(string Name, string Lean, string Classic)>();
        foreach (var (name, client) in new[] { ("app client", shop), ("org client", org.Client), ("sandbox", org.Sandbox) })
        {
            var (lean, classic) = await SameAsync(name, c => c.RequestTokenAsync(client));
            tokens.Add((name, TokenOf(lean), TokenOf(classic)));
        }

        var user = await _classic.RequestPasswordAsync(shop, "maya", "user-password");
        var userBody = await user.Content.ReadFromJsonAsync<JsonElement>();
        var userToken = userBody.GetProperty("access_token").GetString()!;
        var refreshToken = userBody.GetProperty("refresh_token").GetString()!;
        var foreignToken = await _classic.GetTokenAsync(foreign.Shop);
        var callers = new (string Name, AuthenticationHeaderValue Auth)[]
        {
            ("org client", ServiceClient.BasicOf(org.Client)), ("app client", ServiceClient.BasicOf(shop)),
            ("resource server", ServiceClient.BasicOf(server)), ("superuser", ServiceClient.Superuser),
            ("sibling app", ServiceClient.BasicOf(sibling)), ("foreign org", ServiceClient.BasicOf(foreign.Org.Client)),
            ("foreign resource server", ServiceClient.BasicOf(foreign.ResourceServer)),
        };
        var before = hosts.LeanCounters.Introspections;

        // Act / Assert: every token read by every caller on both hosts, each pair alike. The lean token's answer on
        // one host is compared with the OpenIddict token's on the other, so "alike" means alike across paths too.
        foreach (var (caller, auth) in callers)
        {
            foreach (var (name, lean, classic) in tokens)
            {
                await SameAsync($"{caller} introspects the {name}'s lean token", c => Form(c, "/introspect", auth, ("token", lean)));
                await SameAsync($"{caller} introspects the {name}'s OpenIddict token", c => Form(c, "/introspect", auth, ("token", classic)));
                using var leanOnLean = await Form(_lean, "/introspect", auth, ("token", lean));
                using var classicOnClassic = await Form(_classic, "/introspect", auth, ("token", classic));
                Assert.Equal((await ReadAsync(classicOnClassic)).ToString(), (await ReadAsync(leanOnLean)).ToString());
            }

            foreach (var (what, token) in new[]
                     {
                         ("an app user's token", userToken), ("a refresh token", refreshToken), ("a foreign token", foreignToken),
                         ("garbage", "garbage"), ("an unknown token", new string('A', 43)),
                     })
            {
                await SameAsync($"{caller} introspects {what}", c => Form(c, "/introspect", auth, ("token", token)));
            }
        }

        var probe = tokens[0].Lean;
        foreach (var (what, send) in new (string, Func<ServiceClient, Task<HttpResponseMessage>>)[]
                 {
                     ("hint access_token", c => Form(c, "/introspect", ServiceClient.BasicOf(server), ("token", probe), ("token_type_hint", "access_token"))),
                     ("hint refresh_token", c => Form(c, "/introspect", ServiceClient.BasicOf(server), ("token", probe), ("token_type_hint", "refresh_token"))),
                     ("body credentials", c => Form(c, "/introspect", null, ("token", probe), ("client_id", server.ClientId), ("client_secret", server.ClientSecret))),
                     ("an unknown parameter", c => Form(c, "/introspect", ServiceClient.BasicOf(server), ("token", probe), ("extra", "1"))),
                     ("no token", c => Form(c, "/introspect", ServiceClient.BasicOf(server))),
                     ("token twice", c => Form(c, "/introspect", ServiceClient.BasicOf(server), ("token", probe), ("token", probe))),
                     ("wrong secret", c => Form(c, "/introspect", ServiceClient.BasicOf(server with { ClientSecret = "wrong" }), ("token", probe))),
                     ("public client", c => Form(c, "/introspect", null, ("token", probe), ("client_id", "management"))),
                 })
        {
            await SameAsync($"introspection with {what}", send);
        }

        foreach (var (name, lean, classic) in tokens)
        {
            foreach (var token in (string[])[lean, classic])
            {
                await SameAsync($"access check with the {name}'s token", c => c.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.BasicOf(server),
                    new { org = org.Name, app = "shop", access_token = token }));
                await SameAsync($"management API with the {name}'s token", c => c.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/shop", ServiceClient.Bearer(token)));
                await SameAsync($"Usergrid path with the {name}'s token", c => c.SendAsync(HttpMethod.Get, $"/{org.Name}/shop/users?access_token={token}"));
            }
        }

        // The lean path answered exactly the introspections it should (it must not simply hand everything on): per caller,
        // three requests per client token and four of the five other tokens (a refresh token is OpenIddict's), plus the
        // two well-formed variants (hint access_token, body credentials).
        Assert.Equal(callers.Length * ((tokens.Count * 3) + 4) + 2, hosts.LeanCounters.Introspections - before);
        Assert.Equal(0, hosts.Classic.Services.GetRequiredService<LeanPathCounters>().Introspections);

        // Revocation: one token revoked through each path's host; the other host sees it within the bound.
        using (var revokeLean = await _classic.RevokeAsync(shop, tokens[0].Lean))
        using (var revokeClassic = await _lean.RevokeAsync(shop, tokens[0].Classic))
        {
            Assert.Equal(HttpStatusCode.OK, revokeLean.StatusCode);
            Assert.Equal(HttpStatusCode.OK, revokeClassic.StatusCode);
        }

        // Bulk revocation of the org client's tokens, from either path.
        using (var bulk = await _lean.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/revoketokens", ServiceClient.BasicOf(org.Client)))
        {
            Assert.Equal(HttpStatusCode.OK, bulk.StatusCode);
        }

        hosts.Advance(Freshness.Bound);
        foreach (var token in (string[])[tokens[0].Lean, tokens[0].Classic, tokens[1].Lean, tokens[1].Classic])
        {
            var (lean, _) = await SameAsync("introspection of a revoked token", c => Form(c, "/introspect", ServiceClient.BasicOf(server), ("token", token)));
            Assert.Contains("\"active\": false", lean, StringComparison.Ordinal);
            await SameAsync("access check with a revoked token", c => c.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.BasicOf(server),
                new { org = org.Name, app = "shop", access_token = token }));
        }

        // Expiry, to the millisecond.
        var (shortLean, shortClassic) = await SameAsync("a 1.5 s token", c => c.RequestTokenAsync(shop, ("ttl", "1500")));
        foreach (var (elapsed, active) in new[] { (1499, true), (1, false) })
        {
            hosts.Advance(TimeSpan.FromMilliseconds(elapsed));
            foreach (var token in (string[])[TokenOf(shortLean), TokenOf(shortClassic)])
            {
                var (lean, _) = await SameAsync($"introspection {elapsed} ms on", c => Form(c, "/introspect", ServiceClient.BasicOf(server), ("token", token)));
                Assert.Contains($"\"active\": {(active ? "true" : "false")}", lean, StringComparison.Ordinal);
                await SameAsync($"access check {elapsed} ms on", c => c.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.BasicOf(server),
                    new { org = org.Name, app = "shop", access_token = token }));
            }
        }
    }

    public void Dispose()
    {
        _lean.Dispose();
        _classic.Dispose();
    }
}
