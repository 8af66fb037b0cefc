using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Server;
using TokenService.Data;
using TokenService.OAuth;
using TokenService.Principals;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.Compat;

/// <summary>
/// Adds the principal to token responses of Usergrid's token paths (<c>user</c>, <c>application</c> or
/// <c>organization</c>), which existing Usergrid clients read. Standard <c>/token</c> responses stay plain OAuth.
/// </summary>
public sealed class UsergridTokenResponse(TokenServiceDbContext db) : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseScopedHandler<UsergridTokenResponse>()
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.AccessToken is null ||
            context.Transaction.GetHttpRequest()?.HttpContext.Features.Get<UsergridTokenRequest>() is null ||
            GrantIssuer.IssuedToOf(context.Transaction) is not { } caller)
        {
            return;
        }

        var (name, value) = caller.Type switch
        {
            PrincipalType.AppUser => ("user", await AppUserAsync(Guid.Parse(caller.Subject), context.CancellationToken)),
            PrincipalType.AdminUser => ("user", await AdminUserAsync(Guid.Parse(caller.Subject), context.CancellationToken)),
            PrincipalType.AppClient => ("application", new UsergridNamed(caller.AppId!.Value, caller.App!)),
            PrincipalType.OrgClient => ("organization", (object?)new UsergridNamed(caller.OrgId!.Value, caller.Org!)),
            _ => ("", null),
        };
        if (value is not null)
        {
            context.Response[name] = JsonSerializer.SerializeToElement(value, value.GetType());
        }
    }

    private async Task<object?> AppUserAsync(Guid id, CancellationToken cancellationToken) =>
        await db.AppUsers.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken) is { } user
            ? UsergridUser.From(user) : null;

    private async Task<object?> AdminUserAsync(Guid id, CancellationToken cancellationToken) =>
        await db.AdminUsers.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken) is { } user
            ? UsergridUser.From(user) : null;
}
