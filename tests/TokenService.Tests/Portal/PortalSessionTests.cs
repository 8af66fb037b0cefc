using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TokenService.Data;
using TokenService.Tests.Infrastructure;
using static TokenService.Tests.Infrastructure.PortalForms;

namespace TokenService.Tests.Portal;

/// <summary>The portal's session over HTTP, without a browser: instances, the key ring, brute force, sign-out.</summary>
public sealed class PortalSessionTests
{
    private const string AdminPassword = "admin-password";

    [Fact]
    public async Task Session_SealedByOneInstance_IsOpenedByAnother()
    {
        await TwoInstances.RunAsync(async (first, second, api, _) =>
        {
            // Arrange
            var org = await api.CreateOrgAsync();
            await api.CreateAdminAsync(org, "ivy", AdminPassword);
            var jar = await SignInAsync(first, "ivy", AdminPassword);

            // Act
            using var onSecond = await GetAsync(second, jar, $"/portal/orgs/{org.Name}");

            // Assert: and both opened it with the database's ring (a ring in the home directory would also be shared here).
            Assert.Equal(HttpStatusCode.OK, onSecond.StatusCode);
            Assert.Contains(org.Client.ClientId, await onSecond.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var scope = first.Services.CreateScope();
            var stored = await scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>().KeyRing.Select(k => k.Name).ToListAsync();
            foreach (var instance in new[] { first, second })
            {
                var keys = instance.Services.GetRequiredService<IKeyManager>().GetAllKeys();
                Assert.NotEmpty(keys);
                Assert.All(keys, key => Assert.Contains($"key-{key.KeyId:D}", stored));
            }
        });
    }

    [Fact]
    public async Task KeyRing_WithAProtectionKey_StoresNoKeyInTheClear()
    {
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?>
        {
            ["Keys:ProtectionKey"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)i).ToArray()),
        });
        await SignInFormAsync(factory, new Dictionary<string, string>());

        using var scope = factory.Services.CreateScope();
        var ring = await scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>().KeyRing.AsNoTracking().ToListAsync();

        Assert.NotEmpty(ring);
        Assert.All(ring, key =>
        {
            Assert.Contains("gcm1.", key.Xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", key.Xml, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("false", "__Host-", "/", CookieSecurePolicy.Always)]
    [InlineData("true", "", "/portal", CookieSecurePolicy.SameAsRequest)]
    public async Task Cookies_WherePlainHttpIsRefused_AreSecureAndHostPrefixed(string allowHttp, string prefix, string path, CookieSecurePolicy policy)
    {
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?> { ["Transport:AllowHttp"] = allowHttp });

        var session = factory.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(TokenService.Portal.PortalSession.Scheme).Cookie;
        var antiforgery = factory.Services.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie;
        var once = factory.Services.GetRequiredService<IOptions<CookieTempDataProviderOptions>>().Value.Cookie;

        foreach (var (cookie, name) in new[] { (session, "tokenservice_portal"), (antiforgery, "tokenservice_portal_af"), (once, "tokenservice_portal_once") })
        {
            Assert.Equal((prefix + name, path, policy, true, SameSiteMode.Strict), (cookie.Name, cookie.Path, cookie.SecurePolicy, cookie.HttpOnly, cookie.SameSite));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")]
    public async Task KeyRing_WrappedWithAProtectionKey_RefusesToStartWithoutThatKey(string? otherKey)
    {
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?> { ["Keys:ProtectionKey"] = Convert.ToBase64String(new byte[32]) });
        using var ready = await factory.CreateClient().GetAsync("/health/ready");
        using var scope = factory.Services.CreateScope();
        var startup = new TokenService.Tokens.KeyRingStartup(
            scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>(), factory.Services.GetRequiredService<IKeyManager>(),
            scope.ServiceProvider.GetRequiredService<TokenService.Maintenance.Leases>(),
            Microsoft.Extensions.Options.Options.Create(new TokenService.Options.KeysOptions { ProtectionKey = otherKey }), TimeProvider.System);

        var refused = await Assert.ThrowsAsync<TokenService.Options.InvalidSettingException>(() => startup.EnsureAsync(false, CancellationToken.None));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("Keys:ProtectionKey", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_IssuesOnlyTheSessionsAccessToken()
    {
        await using var factory = new TokenServiceFactory();
        using var api = factory.CreateServiceClient();
        var org = await api.CreateOrgAsync();
        var admin = await api.CreateAdminAsync(org, "lou", AdminPassword);

        await SignInAsync(factory, "lou", AdminPassword);

        using var scope = factory.Services.CreateScope();
        var tokens = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictTokenManager>();
        var types = new List<string?>();
        await foreach (var token in tokens.FindBySubjectAsync(admin.ToString()))
        {
            types.Add(await tokens.GetTypeAsync(token));
        }

        Assert.Equal([OpenIddict.Abstractions.OpenIddictConstants.TokenTypeIdentifiers.AccessToken], types);
    }

    [Fact]
    public async Task SignInForm_AfterTooManyWrongPasswords_IsLockedAsThePasswordGrantIs()
    {
        await using var factory = new TokenServiceFactory();
        using var api = factory.CreateServiceClient("203.0.113.7");
        var org = await api.CreateOrgAsync();
        await api.CreateAdminAsync(org, "jack", AdminPassword);

        var answers = new List<string>();
        for (var attempt = 0; attempt < 11; attempt++)
        {
            answers.Add(await SignInLocationAsync(factory, "jack", "wrong-password", "203.0.113.7"));
        }

        using var grant = await api.PostFormAsync("/management/token", null, ("grant_type", "password"), ("username", "jack"), ("password", AdminPassword));

        Assert.All(answers.Take(10), location => Assert.Contains("error=invalid", location, StringComparison.Ordinal));
        Assert.Contains("error=locked", answers[10], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, grant.StatusCode);
    }

    [Fact]
    public async Task SignOut_RevokesTheSessionsToken_SoTheOldCookieOpensNothing()
    {
        await using var factory = new TokenServiceFactory();
        using var api = factory.CreateServiceClient();
        var org = await api.CreateOrgAsync();
        await api.CreateAdminAsync(org, "kim", AdminPassword);
        var jar = await SignInAsync(factory, "kim", AdminPassword);
        var stolen = new Dictionary<string, string>(jar);

        using var page = await GetAsync(factory, jar, $"/portal/orgs/{org.Name}");
        var antiforgery = AntiforgeryField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        using var signOut = await PostAsync(factory, jar, "/portal/signout", new Dictionary<string, string> { ["__af"] = antiforgery });
        using var replayed = await GetAsync(factory, stolen, $"/portal/orgs/{org.Name}");

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
        Assert.Equal("/portal/signin?error=ended", replayed.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "https://evil.example")]
    public async Task APost_ThatABrowserSaysCameFromElsewhere_IsRefused(string header, string value)
    {
        await using var factory = new TokenServiceFactory();
        using var api = factory.CreateServiceClient();
        var org = await api.CreateOrgAsync();
        await api.CreateAdminAsync(org, "max", AdminPassword);
        var jar = await SignInAsync(factory, "max", AdminPassword);
        using var page = await GetAsync(factory, jar, $"/portal/orgs/{org.Name}");
        var antiforgery = AntiforgeryField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        var token = await api.GetTokenAsync(org.Client);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/portal/orgs/{org.Name}?handler=RevokeAll")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = antiforgery }),
        };
        request.Headers.Add(header, value);
        using var response = await SendAsync(factory, jar, request, null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.True(await api.IsActiveAsync(org.Client, token));
    }

    [Fact]
    public async Task AnAntiforgeryToken_OfOneSession_IsRefusedInAnother()
    {
        await using var factory = new TokenServiceFactory();
        using var api = factory.CreateServiceClient();
        var org = await api.CreateOrgAsync();
        await api.CreateAdminAsync(org, "nia", AdminPassword);
        var first = await SignInAsync(factory, "nia", AdminPassword);
        var second = await SignInAsync(factory, "nia", AdminPassword);
        using var page = await GetAsync(factory, first, $"/portal/orgs/{org.Name}");
        var antiforgery = AntiforgeryField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;

        // The second session with the first one's antiforgery cookie and form token: only the session differs.
        second["tokenservice_portal_af"] = first["tokenservice_portal_af"];
        using var response = await PostAsync(factory, second, $"/portal/orgs/{org.Name}?handler=RevokeAll",
            new Dictionary<string, string> { ["__af"] = antiforgery });
        using var sameSession = await PostAsync(factory, first, $"/portal/orgs/{org.Name}?handler=RevokeAll",
            new Dictionary<string, string> { ["__af"] = antiforgery });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, sameSession.StatusCode);
    }

    [Fact]
    public async Task Superuser_SignsIn_AndPicksAmongAllOrganizations()
    {
        await using var factory = new TokenServiceFactory();
        using var api = factory.CreateServiceClient();
        var org = await api.CreateOrgAsync();

        var jar = await SignInAsync(factory, "superuser", TokenServiceFactory.SuperuserPassword);
        using var picker = await GetAsync(factory, jar, "/portal");

        Assert.Equal(HttpStatusCode.OK, picker.StatusCode);
        Assert.Contains($"/portal/orgs/{org.Name}", await picker.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuperuserSession_AfterThePasswordChanges_HasEnded()
    {
        var database = Guid.NewGuid().ToString("N");
        try
        {
            await using var before = new TokenServiceFactory(database, null);
            await using var after = new TokenServiceFactory(database, new Dictionary<string, string?> { ["Superuser:Password"] = "a-new-superuser-password" });
            var jar = await SignInAsync(before, "superuser", TokenServiceFactory.SuperuserPassword);

            using var sameInstance = await GetAsync(before, new Dictionary<string, string>(jar), "/portal");
            using var newPassword = await GetAsync(after, jar, "/portal");

            Assert.Equal(HttpStatusCode.OK, sameInstance.StatusCode);
            Assert.Equal("/portal/signin?error=ended", newPassword.Headers.Location?.OriginalString);
        }
        finally
        {
            TestDatabase.DeleteSqlite(database);
        }
    }

    [Theory]
    [InlineData("superuser", "not-the-password")]
    [InlineData("nobody", "whatever-password")]
    public async Task SignIn_WithWrongCredentials_StartsNoSession(string username, string password)
    {
        await using var factory = new TokenServiceFactory();

        var location = await SignInLocationAsync(factory, username, password, null);

        Assert.Equal("/portal/signin?error=invalid", location);
    }

    /// <summary>Signs in through the form; returns the cookies of the session.</summary>
    private static async Task<Dictionary<string, string>> SignInAsync(TokenServiceFactory factory, string username, string password)
    {
        var jar = new Dictionary<string, string>();
        using var response = await SignInFormAsync(factory, jar, ("username", username), ("password", password));
        Assert.Equal("/portal", response.Headers.Location?.OriginalString);
        Assert.True(jar.ContainsKey("tokenservice_portal"));
        return jar;
    }
}
