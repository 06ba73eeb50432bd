"""Host adapters: thin modules that let lmms-eval, EasyR1, verl and TRL call videorl's core.

Each adapter uses absolute imports only, because hosts load some of them by file path
(EasyR1 loads ``videorl/plugins/easyr1/reward.py`` as the module ``custom_reward_fn``).

- ``videorl.plugins.easyr1.reward``: EasyR1 batch reward file (``videorl easyr1 reward-path``);
- ``videorl.plugins.verl``: upstream verl ``custom_reward_function`` (``pkg://videorl.plugins.verl``);
- ``videorl.plugins.trl``: reward callables for TRL's ``GRPOTrainer``.
"""
