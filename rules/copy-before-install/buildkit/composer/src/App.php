<?php namespace Acme; class App {}
