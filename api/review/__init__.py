"""Helpers of the review pages: signed sessions and CSRF tokens, labels, and the view models the templates see."""
