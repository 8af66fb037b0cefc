using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpenIddict.EntityFrameworkCore.Models;

namespace TokenService.Data.Configurations;

/// <summary>
/// The token table carries only the indexes one of the service's queries needs — every index is written on every
/// token issued (issue 12), so each must earn it:
/// <list type="bullet">
/// <item><c>ReferenceId</c> (unique, OpenIddict's): every token presented is looked up by the digest of its reference.</item>
/// <item><c>ApplicationId</c>: revoking every token of a client (app or org <c>revoketokens</c>, a secret regenerated
/// with <c>revoke_tokens</c>, a tenant deleted). It replaces OpenIddict's (application, status, subject, type), whose
/// other columns serve lookups the service never makes (authorizations are off) and made each entry three times larger.</item>
/// <item><c>Subject</c>: revoking every token of a user (user <c>revoketokens</c>, deactivation, deletion).</item>
/// <item><c>ExpirationDate</c>: pruning expired tokens.</item>
/// <item><c>CreationDate</c>: pruning revoked tokens (status not valid, created before the threshold).</item>
/// <item><c>AuthorizationId</c>: none of ours; EF Core indexes every foreign key and OpenIddict's model has one to
/// authorizations. It stays: always null here, its entries all land on the same page, so it costs little.</item>
/// </list>
/// </summary>
internal sealed class TokenConfiguration : IEntityTypeConfiguration<OpenIddictEntityFrameworkCoreToken>
{
    private const string ApplicationId = "ApplicationId";

    public void Configure(EntityTypeBuilder<OpenIddictEntityFrameworkCoreToken> builder)
    {
        var wide = builder.Metadata.GetIndexes().SingleOrDefault(index =>
            index.Properties.Count > 1 && index.Properties[0].Name == ApplicationId);
        if (wide is not null)
        {
            builder.Metadata.RemoveIndex(wide);
        }

        builder.HasIndex(ApplicationId);
        builder.HasIndex(t => t.Subject);
        builder.HasIndex(t => t.ExpirationDate);
        builder.HasIndex(t => t.CreationDate);
    }
}
