using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpenIddict.EntityFrameworkCore.Models;

namespace TokenService.Data.Configurations;

/// <summary>
/// Indexes for the lookups the service adds to OpenIddict's own: OpenIddict indexes tokens by reference id
/// (unique) and by (application, status, subject, type), which serves revocation by application. Revocation
/// by subject (a user's tokens) and pruning by dates would otherwise scan the tokens table.
/// </summary>
internal sealed class TokenConfiguration : IEntityTypeConfiguration<OpenIddictEntityFrameworkCoreToken>
{
    public void Configure(EntityTypeBuilder<OpenIddictEntityFrameworkCoreToken> builder)
    {
        builder.HasIndex(t => t.Subject);
        builder.HasIndex(t => t.ExpirationDate);
        builder.HasIndex(t => t.CreationDate);
    }
}
