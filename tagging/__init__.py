"""Reading people's own words: the themes they are about, and whether they may disclose harm."""
