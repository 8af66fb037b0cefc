using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TokenService.Data;

namespace TokenService.Tests.Infrastructure;

/// <summary>Two hosts of the service on one database of their own, with a client each.</summary>
public static class TwoInstances
{
    /// <summary>
    /// Runs <paramref name="test"/> against both hosts; the first host's database commands pass through
    /// <paramref name="firstInterceptor"/>, when given.
    /// </summary>
    public static async Task RunAsync(Func<TokenServiceFactory, TokenServiceFactory, ServiceClient, ServiceClient, Task> test,
        IInterceptor? firstInterceptor = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        var database = Guid.NewGuid().ToString("N");
        try
        {
            await using var first = new TokenServiceFactory(database, null)
            {
                ExtraServices = firstInterceptor is null
                    ? null
                    : services => services.ConfigureDbContext<TokenServiceDbContext>(o => o.AddInterceptors(firstInterceptor)),
            };
            await using var second = new TokenServiceFactory(database, null);
            using var a = first.CreateServiceClient();
            using var b = second.CreateServiceClient();
            await test(first, second, a, b);
        }
        finally
        {
            TestDatabase.DeleteSqlite(database);
        }
    }
}
