using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Security;

/// <summary>A host with a low threshold of its own, so counting is not disturbed by other tests.</summary>
public sealed class BruteForceHost() : IAsyncLifetime
{
    public const int Threshold = 3;
    public const int AddressThreshold = 8;

    public TokenServiceFactory Factory { get; } = new(null, new Dictionary<string, string?>
    {
        ["BruteForce:MaxFailuresPerIdentity"] = Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["BruteForce:MaxFailuresPerAddress"] = AddressThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["BruteForce:Window"] = "00:05:00",
    });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

public sealed class BruteForceTests(BruteForceHost host) : IClassFixture<BruteForceHost>
{
    private static readonly Credentials Superuser = new("superuser", TokenServiceFactory.SuperuserPassword);
    private TokenServiceFactory Factory => host.Factory;

    private static async Task AssertTooManyAsync(HttpResponseMessage response, string error = "temporarily_unavailable")
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 300);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error_description").GetString()));
    }

    [Fact]
    public async Task Token_WrongSecretsPastTheThreshold_Are429_OtherAddressesStillWork_AndTheWindowEndsIt()
    {
        // Arrange
        using var admin = Factory.CreateServiceClient("198.51.100.1");
        using var attacker = Factory.CreateServiceClient("203.0.113.10");
        using var owner = Factory.CreateServiceClient("198.51.100.20");
        var org = await admin.CreateOrgAsync();
        var wrong = org.Sandbox with { ClientSecret = "not-the-secret" };

        // Act: the threshold of wrong secrets, then one more try.
        for (var i = 0; i < BruteForceHost.Threshold; i++)
        {
            using var failed = await attacker.RequestTokenAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var locked = await attacker.RequestTokenAsync(wrong);
        using var lockedEvenWithTheSecret = await attacker.RequestTokenAsync(org.Sandbox);

        // Assert: refused from that address, whatever it sends; the owner elsewhere is untouched.
        await AssertTooManyAsync(locked);
        await AssertTooManyAsync(lockedEvenWithTheSecret);
        Assert.False(string.IsNullOrEmpty(await owner.GetTokenAsync(org.Sandbox)));

        // After the window the locked pair may try again.
        Factory.Clock.Advance(TimeSpan.FromMinutes(5));
        using var afterWindow = await attacker.RequestTokenAsync(org.Sandbox);
        Assert.Equal(HttpStatusCode.OK, afterWindow.StatusCode);
    }

    /// <summary>Every endpoint the README lists as protected, each guessed at from an address of its own.</summary>
    [Theory]
    [InlineData("token", "203.0.113.101")]
    [InlineData("introspect", "203.0.113.102")]
    [InlineData("revoke", "203.0.113.103")]
    [InlineData("management basic", "203.0.113.104")]
    [InlineData("management query", "203.0.113.105")]
    [InlineData("access check", "203.0.113.106")]
    [InlineData("usergrid app path, client json", "203.0.113.107")]
    [InlineData("usergrid management path, client", "203.0.113.108")]
    [InlineData("usergrid app path, password by GET", "203.0.113.109")]
    [InlineData("usergrid management path, admin password", "203.0.113.110")]
    public async Task EveryProtectedEndpoint_GuessesPastTheThreshold_Are429_EvenWithTheRightCredentials(string endpoint, string address)
    {
        // Arrange
        using var admin = Factory.CreateServiceClient("198.51.100.2");
        using var attacker = Factory.CreateServiceClient(address);
        var org = await admin.CreateOrgAsync();
        var server = await admin.CreateResourceServerAsync(org, "api");
        await admin.CreateAppUserAsync(org, "sandbox", "victim", "victim-password");
        var adminName = ServiceClient.UniqueName("bf")[..20];
        await admin.CreateAdminAsync(org, adminName, "admin-password");
        var token = await admin.GetTokenAsync(org.Sandbox);
        Task<HttpResponseMessage> Attempt(string secret) => endpoint switch
        {
            "token" => attacker.PostFormAsync("/token", ServiceClient.Basic(org.Sandbox.ClientId, secret), ("grant_type", "client_credentials")),
            "introspect" => attacker.PostFormAsync("/introspect", ServiceClient.Basic(server.ClientId, secret), ("token", token)),
            "revoke" => attacker.PostFormAsync("/revoke", ServiceClient.Basic(org.Sandbox.ClientId, secret), ("token", "x" + token[1..])),
            "management basic" => attacker.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}", ServiceClient.Basic(org.Client.ClientId, secret)),
            "management query" => attacker.Http.GetAsync($"/{org.Name}/sandbox?client_id={org.Sandbox.ClientId}&client_secret={Uri.EscapeDataString(secret)}"),
            "access check" => attacker.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.Basic(server.ClientId, secret), new { org = org.Name, app = "sandbox" }),
            "usergrid app path, client json" => attacker.SendAsync(HttpMethod.Post, $"/{org.Name}/sandbox/token", null,
                new { grant_type = "client_credentials", client_id = org.Sandbox.ClientId, client_secret = secret }),
            "usergrid management path, client" => attacker.PostFormAsync("/management/token", null,
                ("grant_type", "client_credentials"), ("client_id", org.Client.ClientId), ("client_secret", secret)),
            "usergrid app path, password by GET" => attacker.Http.GetAsync(
                $"/{org.Name}/sandbox/token?grant_type=password&username=victim&password={Uri.EscapeDataString(secret)}"),
            _ => attacker.SendAsync(HttpMethod.Post, "/management/token", null, new { grant_type = "password", username = adminName, password = secret }),
        };
        var right = endpoint switch
        {
            "token" or "revoke" or "management query" or "usergrid app path, client json" => org.Sandbox.ClientSecret,
            "introspect" or "access check" => server.ClientSecret,
            "management basic" or "usergrid management path, client" => org.Client.ClientSecret,
            "usergrid app path, password by GET" => "victim-password",
            _ => "admin-password",
        };

        // Act: the threshold of wrong guesses, then the right one.
        var refusals = new List<HttpStatusCode>();
        for (var i = 0; i < BruteForceHost.Threshold; i++)
        {
            using var failed = await Attempt("wrong-guess-" + i);
            refusals.Add(failed.StatusCode);
        }

        using var locked = await Attempt(right);

        // Assert: each guess refused as a failed authentication, then the lock holds even for the right secret.
        Assert.All(refusals, status => Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, $"{endpoint}: {status}"));
        await AssertTooManyAsync(locked);
    }

    [Fact]
    public async Task Introspect_ByACallerGuessingItsSecret_Is429()
    {
        using var admin = Factory.CreateServiceClient("198.51.100.1");
        using var attacker = Factory.CreateServiceClient("203.0.113.11");
        var org = await admin.CreateOrgAsync();
        var server = await admin.CreateResourceServerAsync(org, "api");
        var token = await admin.GetTokenAsync(org.Sandbox);
        var wrong = server with { ClientSecret = "guess" };

        for (var i = 0; i < BruteForceHost.Threshold; i++)
        {
            using var failed = await attacker.PostFormAsync("/introspect", ServiceClient.BasicOf(wrong), ("token", token));
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var locked = await attacker.PostFormAsync("/introspect", ServiceClient.BasicOf(server), ("token", token));

        await AssertTooManyAsync(locked);
        Assert.True(await admin.IsActiveAsync(server, token));
    }

    [Fact]
    public async Task ManagementApi_SuperuserPasswordGuessed_Is429_AndTheRealSuperuserElsewhereIsNot()
    {
        using var attacker = Factory.CreateServiceClient("203.0.113.12");
        using var operatorClient = Factory.CreateServiceClient("198.51.100.30");
        var guess = Superuser with { ClientSecret = "password123" };

        for (var i = 0; i < BruteForceHost.Threshold; i++)
        {
            using var failed = await attacker.SendAsync(HttpMethod.Get, "/management/orgs", ServiceClient.BasicOf(guess));
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var locked = await attacker.SendAsync(HttpMethod.Get, "/management/orgs", ServiceClient.BasicOf(Superuser));
        using var elsewhere = await operatorClient.SendAsync(HttpMethod.Get, "/management/orgs", ServiceClient.BasicOf(Superuser));

        await AssertTooManyAsync(locked);
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
    }

    [Fact]
    public async Task PasswordGrant_WrongPasswordsPastTheThreshold_Is429ForThatUserOnly()
    {
        using var admin = Factory.CreateServiceClient("198.51.100.1");
        using var attacker = Factory.CreateServiceClient("203.0.113.13");
        var org = await admin.CreateOrgAsync();
        await admin.CreateAppUserAsync(org, "sandbox", "alice");
        await admin.CreateAppUserAsync(org, "sandbox", "bob");

        for (var i = 0; i < BruteForceHost.Threshold; i++)
        {
            using var failed = await attacker.RequestPasswordAsync(org.Sandbox, "alice", "wrong-password");
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        }

        using var locked = await attacker.RequestPasswordAsync(org.Sandbox, "ALICE", "user-password");
        using var otherUser = await attacker.RequestPasswordAsync(org.Sandbox, "bob", "user-password");

        await AssertTooManyAsync(locked);
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);
    }

    [Fact]
    public async Task AnyEndpoint_AnAddressSprayingManyIdentities_IsRefusedAsAWhole()
    {
        using var admin = Factory.CreateServiceClient("198.51.100.1");
        using var sprayer = Factory.CreateServiceClient("203.0.113.14");
        var org = await admin.CreateOrgAsync();

        // Each identity stays under its own threshold; the address passes its own.
        for (var i = 0; i < BruteForceHost.AddressThreshold; i++)
        {
            using var failed = await sprayer.RequestTokenAsync(new Credentials($"app_unknown{i}", "guess"));
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var locked = await sprayer.RequestTokenAsync(org.Sandbox);
        using var lockedOnManagement = await sprayer.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}", ServiceClient.BasicOf(org.Client));

        await AssertTooManyAsync(locked);
        await AssertTooManyAsync(lockedOnManagement);
    }

    [Fact]
    public async Task Token_ASuccessBeforeTheThreshold_ClearsTheCount()
    {
        using var admin = Factory.CreateServiceClient("198.51.100.1");
        using var forgetful = Factory.CreateServiceClient("203.0.113.15");
        var org = await admin.CreateOrgAsync();
        var wrong = org.Sandbox with { ClientSecret = "typo" };

        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < BruteForceHost.Threshold - 1; i++)
            {
                using var failed = await forgetful.RequestTokenAsync(wrong);
                Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
            }

            using var ok = await forgetful.RequestTokenAsync(org.Sandbox);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
    }
}
