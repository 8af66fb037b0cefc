using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TokenService.Security;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Security;

/// <summary>
/// Limits hold for the deployment, not per instance: two instances on one database never give an attacker twice the
/// brute-force threshold, nor a client twice its request budget.
/// </summary>
public sealed class SharedLimitsTests
{
    [Fact]
    public async Task WrongSecrets_AlternatingBetweenTwoInstances_AreRefusedPastTheSharedThreshold()
    {
        // Arrange
        var database = Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string?> { ["BruteForce:MaxFailuresPerIdentity"] = "3" };
        try
        {
            await using var first = new TokenServiceFactory(database, settings);
            await using var second = new TokenServiceFactory(database, settings);
            using var a = first.CreateServiceClient("198.51.100.20");
            using var b = second.CreateServiceClient("198.51.100.20");
            var org = await first.CreateServiceClient("198.51.100.21").CreateOrgAsync();
            var wrong = new Credentials(org.Sandbox.ClientId, "wrong-secret");

            // Act: ten guesses, alternating instances, then the right secret on each.
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 10; i++)
            {
                using var response = await (i % 2 == 0 ? a : b).RequestTokenAsync(wrong);
                statuses.Add(response.StatusCode);
            }

            using var rightOnFirst = await a.RequestTokenAsync(org.Sandbox);
            using var rightOnSecond = await b.RequestTokenAsync(org.Sandbox);

            // Assert: the threshold for the deployment, plus at most one attempt on the instance that had not yet seen
            // the shared count (N - 1 = 1) — never 2 x 3.
            var answered = statuses.Count(s => s == HttpStatusCode.Unauthorized);
            Assert.InRange(answered, 3, 3 + 1);
            Assert.All(statuses.Skip(answered), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
            Assert.Equal(HttpStatusCode.TooManyRequests, rightOnFirst.StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, rightOnSecond.StatusCode);
        }
        finally
        {
            TestDatabase.DeleteSqlite(database);
        }
    }

    [Fact]
    public async Task CredentialBudget_SplitBetweenTwoLiveInstances_AllowsTheLimitOnceForTheDeployment()
    {
        // Arrange: a budget of 10 per second for the deployment; both instances have seen each other's heartbeat.
        var database = Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string?> { ["RateLimits:CredentialPerSecond"] = "10" };
        try
        {
            await using var first = new TokenServiceFactory(database, settings);
            await using var second = new TokenServiceFactory(database, settings);
            using var a = first.CreateServiceClient("198.51.100.30");
            using var b = second.CreateServiceClient("198.51.100.31");
            var org = await a.CreateOrgAsync();
            await first.Services.GetRequiredService<LiveInstances>().BeatAsync(CancellationToken.None);
            await second.Services.GetRequiredService<LiveInstances>().BeatAsync(CancellationToken.None);
            await first.Services.GetRequiredService<LiveInstances>().BeatAsync(CancellationToken.None);

            // Act: ten requests to each instance within one window (their clocks stand still).
            var served = 0;
            foreach (var client in (ServiceClient[])[a, b])
            {
                for (var i = 0; i < 10; i++)
                {
                    using var response = await client.RequestTokenAsync(org.Sandbox);
                    served += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
                }
            }

            // Assert
            Assert.Equal(2, first.Services.GetRequiredService<LiveInstances>().Count);
            Assert.Equal(2, second.Services.GetRequiredService<LiveInstances>().Count);
            Assert.Equal(10, served);
        }
        finally
        {
            TestDatabase.DeleteSqlite(database);
        }
    }
}
