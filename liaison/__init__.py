"""The 1+15+N organisation: township, villages, work groups, liaison units, cadres, pairings."""
