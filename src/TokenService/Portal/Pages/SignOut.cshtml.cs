using Microsoft.AspNetCore.Mvc;
using TokenService.Principals;
using TokenService.Users;

namespace TokenService.Portal.Pages;

/// <summary>Signing out revokes the session's token (only that one: the admin's other sessions and clients stay).</summary>
public sealed class SignOutModel(UserAccounts accounts) : PortalPage
{
    public IActionResult OnGet() => LocalRedirect("/portal");

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (Caller.Type == PrincipalType.AdminUser && Guid.TryParse(Caller.Subject, out var id) &&
            await PortalSession.AccessTokenOfAsync(HttpContext) is { } token)
        {
            await accounts.RevokeTokenAsync(id, token, cancellationToken);
        }

        await PortalSession.EndAsync(HttpContext);
        return LocalRedirect(PortalSignIn.Path + "?error=signedout");
    }
}
