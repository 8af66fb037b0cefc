using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using TokenService.Database;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

[Collection(SharedHost.Name)]
public sealed class GroupCommitTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task Token_IssuedConcurrently_EveryAnsweredTokenIsStoredOnceAndActive()
    {
        // Arrange
        var org = await _client.CreateOrgAsync();

        // Act: enough concurrent requests that rows share commits.
        var tokens = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => _client.GetTokenAsync(org.Sandbox)));

        // Assert: each answered token has exactly one row, readable by a fresh context, and introspects active.
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        var rows = await db.Set<OpenIddictEntityFrameworkCoreToken>().AsNoTracking()
            .Where(t => t.Application!.ClientId == org.Sandbox.ClientId)
            .Select(t => new { t.Payload, t.ReferenceId }).ToListAsync();
        Assert.Equal(40, rows.Count);
        Assert.All(rows, row => Assert.False(string.IsNullOrEmpty(row.Payload)));
        Assert.Equal(40, tokens.Distinct().Count());
        Assert.Empty(rows.Select(row => row.ReferenceId).Intersect(tokens)); // only digests of the bearer values are stored
        foreach (var token in tokens)
        {
            Assert.True(await _client.IsActiveAsync(org.Client, token));
        }
    }

    [Fact]
    public async Task InsertAsync_ARowThatCannotBeStored_FailsAloneAndItsNeighboursCommit()
    {
        // Arrange: a row whose key already exists next to a good one.
        var org = await _client.CreateOrgAsync();
        await _client.GetTokenAsync(org.Sandbox);
        var batcher = factory.Services.GetRequiredService<TokenInsertBatcher>();
        string existingId, applicationId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
            var existing = await db.Set<OpenIddictEntityFrameworkCoreToken>().Include(t => t.Application)
                .FirstAsync(t => t.Application!.ClientId == org.Sandbox.ClientId);
            existingId = existing.Id!;
            applicationId = existing.Application!.Id!;
        }

        var good = new OpenIddictEntityFrameworkCoreToken { Id = Guid.NewGuid().ToString(), Type = "test", Status = "valid" };
        var duplicate = new OpenIddictEntityFrameworkCoreToken { Id = existingId, Type = "test", Status = "valid" };

        // Act
        var duplicateInsert = batcher.InsertAsync(duplicate, applicationId);
        var goodInsert = batcher.InsertAsync(good, applicationId);

        // Assert
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => duplicateInsert);
        await goodInsert;
        await using var check = factory.Services.CreateAsyncScope();
        var stored = await check.ServiceProvider.GetRequiredService<TokenServiceDbContext>()
            .Set<OpenIddictEntityFrameworkCoreToken>().AsNoTracking().Include(t => t.Application)
            .SingleAsync(t => t.Id == good.Id);
        Assert.Equal(applicationId, stored.Application!.Id);
    }

    public void Dispose() => _client.Dispose();
}
