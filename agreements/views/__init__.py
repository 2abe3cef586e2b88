"""Portal pages of the consent workflow: the third party's (invite, lists, exports, actions), the
customer's (lists, actions, answers) and the pages behind the e-mail's Accept / Reject links."""
